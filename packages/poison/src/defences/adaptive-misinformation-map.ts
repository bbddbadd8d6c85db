/**
 * 'adaptive-misinformation-map' (Kariyappa & Qureshi 2020 with a fixed map in
 * place of their trained function; ../misinformation.ts): queries the victim's
 * own bottom RBM scores as out of distribution (below the quantile q of the
 * defender's reference inputs) get answers blended with ỹ = (1 − ŷ)/(K − 1).
 * Kept to show that a fixed map is inverted by an attacker who knows it (the
 * 'inversion' attacker); 'adaptive-misinformation' trains its misinformation.
 */
import { bottomRbmScorer, misinformedAnswer, OOD_QUANTILE_STRENGTH, type OodScorer } from '../misinformation.js';
import { defineDefence } from './defence.js';

export const adaptiveMisinformationMap = defineDefence({
  name: 'adaptive-misinformation-map',
  order: 11.5,
  summary: 'answers to queries that look out of distribution blended with the fixed map (1 − ŷ)/(K − 1)',
  armName: 'adaptive misinformation (fixed map)',
  keepsLabel: false,
  randomised: false,
  strength: OOD_QUANTILE_STRENGTH,
  strengthOptions: (s) => ({ quantile: s }),
  needs: ['reference'],
  create: (ctx) => {
    let scorer: OodScorer | undefined;
    let scores: Float64Array | undefined;
    return {
      prepare(inputs) {
        if (ctx.options.reference === undefined) {
          throw new RangeError(
            "adaptive-misinformation-map needs the defender's in-distribution inputs (options.reference)",
          );
        }
        scorer ??= bottomRbmScorer(ctx.be, ctx.net, ctx.options.reference, ctx.options.quantile ?? 0.05);
        scores = scorer.score(inputs);
      },
      answer: (y, _x, r) => ({ served: misinformedAnswer(y, scores![r]!, scorer!) }),
    };
  },
});
