import { createRng, type Matrix } from '@rgdl/gpu-kernels';
import { barsAndStripes, loadMnist, noisyPrototypes, type LabelledData, type MnistSplit } from '@rgdl/rbm';
import { choiceFlag, intFlag } from './flags.js';
import { UsageError } from './usage-error.js';

export const DATASETS = ['mnist', 'bas', 'synthetic'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface DataSpec {
  readonly name: DatasetName;
  /** MNIST side (28, 14, 7) or bars-and-stripes side. */
  readonly size: number;
}

/**
 * Loads a named data set split. MNIST: the package's 10,000 digits split 6,006 /
 * 1,998 / 1,996 (train / attacker / test). bars-and-stripes: every pattern in
 * every split. synthetic: 10 binary prototypes over size² pixels (the same in
 * every split) with 10% of pixels flipped, the noise seeded per split.
 */
export function loadDataset(spec: DataSpec, split: MnistSplit, limit?: number): LabelledData {
  switch (spec.name) {
    case 'mnist': {
      if (![28, 14, 7].includes(spec.size))
        throw new UsageError(`--size for mnist must be 28, 14 or 7, got ${spec.size}`);
      return loadMnist({ size: spec.size as 28 | 14 | 7, split, ...(limit !== undefined ? { limit } : {}) });
    }
    case 'bas':
      if (spec.size < 2 || spec.size > 8) throw new UsageError(`--size for bas must be 2…8, got ${spec.size}`);
      return barsAndStripes(spec.size);
    case 'synthetic': {
      const seed = { train: 1, attacker: 2, test: 3, all: 4 }[split];
      return noisyPrototypes({
        classes: 10,
        inputs: spec.size * spec.size,
        examples: limit ?? (split === 'train' ? 2000 : 500),
        flip: 0.1,
        rng: createRng(seed),
        prototypeRng: createRng(1000),
      });
    }
  }
}

/**
 * The defender's in-distribution inputs for adaptive misinformation: the training
 * split of the data set recorded in the model file.
 */
export function referenceInputs(metadata: Record<string, unknown>): Matrix<Float64Array> {
  return loadDataset(dataSpecFor(metadata, {}), 'train').x;
}

/** The data set recorded in a model file, overridden by --data / --size. @throws UsageError */
export function dataSpecFor(
  metadata: Record<string, unknown>,
  values: { readonly data?: string | boolean | undefined; readonly size?: string | boolean | undefined },
): DataSpec {
  const recorded = (metadata.data ?? {}) as { name?: string; size?: number };
  const name: DatasetName = choiceFlag('data', values.data ?? recorded.name, DATASETS, 'mnist');
  const size = intFlag('size', values.size ?? (recorded.size !== undefined ? String(recorded.size) : undefined), 14, 2);
  return { name, size };
}
