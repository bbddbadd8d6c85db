/**
 * 'adaptive-misinformation' (Kariyappa & Qureshi 2020; ../misinformation.ts):
 * queries the victim's own bottom RBM scores as out of distribution (below the
 * quantile q of the defender's reference inputs) get answers blended with a
 * trained misinformation function f̂(x), fitted once on the reference inputs to
 * minimise the probability of the victim's label. Changes the labels of
 * queries it calls OOD; a function of x, so no fixed map of ŷ′ inverts it.
 */
import type { Matrix } from '@rgdl/gpu-kernels';
import type { SoftmaxRegression } from '@rgdl/rbm';
import {
  blendedAnswer,
  contextScorer,
  misinformationOf,
  OOD_DEFENCE,
  trainMisinformation,
  type OodScorer,
} from '../misinformation.js';
import { defineDefence } from './defence.js';

export const adaptiveMisinformation = defineDefence({
  name: 'adaptive-misinformation',
  order: 11,
  summary: 'answers to queries that look out of distribution blended with a trained misinformation function f̂(x)',
  armName: 'adaptive misinformation',
  ...OOD_DEFENCE,
  create: (ctx) => {
    let scorer: OodScorer | undefined;
    let misinformation: SoftmaxRegression | undefined;
    let scores: Float64Array | undefined;
    let fhat: Matrix<Float64Array> | undefined;
    return {
      prepare(inputs) {
        scorer ??= contextScorer(ctx, 'adaptive-misinformation');
        misinformation ??= trainMisinformation(ctx.be, ctx.net, ctx.options.reference!);
        scores = scorer.score(inputs);
        fhat = misinformationOf(ctx.be, misinformation, inputs);
      },
      answer: (y, _x, r) => ({
        served: blendedAnswer(y, scores![r]!, scorer!, fhat!.data.subarray(r * fhat!.cols, (r + 1) * fhat!.cols)),
      }),
    };
  },
});
