/**
 * The stability part of a served model's diagnosis (`GET /v1/diagnosis`, the
 * playground, the demo's step 3): the MCRG generation stability matrix T̃(1)
 * at y = e₀ (eq. 8's linearisation between the top two hidden levels), its
 * singular values and their Monte Carlo errors. Singular values only: no
 * directions, which would say more about the weights than a client may learn.
 */
import { matrix, rngFor, type Backend } from '@rgdl/gpu-kernels';
import type { DeepRbm } from '@rgdl/rbm';
import { stabilityFlow } from '@rgdl/rg-flow';

/** MCRG samples of the served stability matrix. */
export const SERVED_STABILITY_SAMPLES = 20000;

export interface ServedStability {
  readonly singularValues: number[];
  readonly errors: number[];
  readonly rows: number;
  readonly cols: number;
  readonly samples: number;
}

/** T̃(1) at y = e₀ by MCRG on the 'diagnosis-flow' stream of `seed`; null for a one-layer net (no hidden-to-hidden matrix). */
export function servedStability(be: Backend, net: DeepRbm, seed: number): ServedStability | null {
  if (net.layers.length < 2) return null;
  const y0 = matrix(1, net.layers[net.layers.length - 1]!.W.rows);
  y0.data[0] = 1;
  const layer = stabilityFlow(be, net, y0, 'down', {
    method: 'mcrg',
    samples: SERVED_STABILITY_SAMPLES,
    rng: rngFor('diagnosis-flow', seed),
    eigen: false,
  }).layers[0]!;
  return {
    singularValues: Array.from(layer.singularValues),
    errors: Array.from(layer.singularValueErrors ?? []),
    rows: layer.T.rows,
    cols: layer.T.cols,
    samples: SERVED_STABILITY_SAMPLES,
  };
}
