import type { Rng } from '@rgdl/gpu-kernels';
import { oneHot, type LabelledData } from './labelled.js';

export interface SyntheticOptions {
  readonly classes: number;
  readonly inputs: number;
  readonly examples: number;
  /** Probability that a pixel differs from its class prototype (default 0.1). */
  readonly flip?: number;
  /** Draws the noise (and, unless `prototypeRng` is given, the prototypes first). */
  readonly rng: Rng;
  /** Draws the class prototypes: pass the same seed for train and test splits. */
  readonly prototypeRng?: Rng;
}

/**
 * Noisy prototypes: each class has a random binary prototype; an example copies
 * its class prototype and flips each pixel with probability `flip`. The Bayes
 * classifier is known (nearest prototype in Hamming distance), which makes the
 * set a fast test of whether training learns anything.
 */
export function noisyPrototypes(options: SyntheticOptions): LabelledData & { prototypes: Float64Array } {
  const { classes, inputs, examples, rng } = options;
  const flip = options.flip ?? 0.1;
  const prototypes = new Float64Array(classes * inputs);
  const protoRng = options.prototypeRng ?? rng;
  for (let i = 0; i < prototypes.length; i++) prototypes[i] = protoRng.nextFloat() < 0.5 ? 1 : 0;
  const x = new Float64Array(examples * inputs);
  const labels = new Int32Array(examples);
  for (let r = 0; r < examples; r++) {
    const c = r % classes;
    labels[r] = c;
    for (let i = 0; i < inputs; i++) {
      const p = prototypes[c * inputs + i]!;
      x[r * inputs + i] = rng.nextFloat() < flip ? 1 - p : p;
    }
  }
  return { x: { rows: examples, cols: inputs, data: x }, y: oneHot(labels, classes), labels, classes, prototypes };
}
