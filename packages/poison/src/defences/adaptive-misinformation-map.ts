/**
 * 'adaptive-misinformation-map' (Kariyappa & Qureshi 2020 with a fixed map in
 * place of their trained function; ../misinformation.ts): queries the victim's
 * own bottom RBM scores as out of distribution (below the quantile q of the
 * defender's reference inputs) get answers blended with ỹ = (1 − ŷ)/(K − 1).
 * Kept to show that a fixed map is inverted by an attacker who knows it (the
 * 'inversion' attacker); 'adaptive-misinformation' trains its misinformation.
 */
import { contextScorer, misinformedAnswer, OOD_DEFENCE, type OodScorer } from '../misinformation.js';
import { defineDefence } from './defence.js';

export const adaptiveMisinformationMap = defineDefence({
  name: 'adaptive-misinformation-map',
  order: 11.5,
  summary: 'answers to queries that look out of distribution blended with the fixed map (1 − ŷ)/(K − 1)',
  armName: 'adaptive misinformation (fixed map)',
  ...OOD_DEFENCE,
  create: (ctx) => {
    let scorer: OodScorer | undefined;
    let scores: Float64Array | undefined;
    return {
      prepare(inputs) {
        scorer ??= contextScorer(ctx, 'adaptive-misinformation-map');
        scores = scorer.score(inputs);
      },
      answer: (y, _x, r) => ({ served: misinformedAnswer(y, scores![r]!, scorer!) }),
    };
  },
});
