/**
 * A server's own calibration: benign client streams drawn from the
 * defender's in-distribution inputs (the model's training data), each a
 * random order of `length` of them, answered by the undefended model; the
 * detectors' thresholds at `falseAlarmRate` of those streams, and the OOD
 * scorer (bottom-RBM free energy at `settings.oodQuantile` of the same inputs).
 * What it does not cover (class-skewed users, repeated queries, longer
 * streams) the detection experiment measures.
 */
import { rngFor, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { widths, type DeepRbm } from '@rgdl/rbm';
import { argmax } from '../constrain.js';
import { createService } from '../defences.js';
import { bottomRbmScorer, type OodScorer } from '../misinformation.js';
import { calibrateThresholds, type Calibration } from './calibrate.js';
import { DEFAULT_DETECTION, queryFeatures, type DetectionSettings, type QueryFeature } from './detectors.js';

export interface ReferenceCalibrationOptions {
  /** Benign streams (default 100) of `length` queries (default 500). */
  readonly streams?: number;
  readonly length?: number;
  /** Fraction of benign streams allowed to alarm (default 0.01). */
  readonly falseAlarmRate?: number;
  readonly seed: number;
  readonly settings?: DetectionSettings;
}

/** The features of every reference input once (streams are orders of them). */
export function referenceFeatures(
  be: Backend,
  net: DeepRbm,
  reference: Matrix<Float64Array>,
  scorer: OodScorer,
): QueryFeature[] {
  const clean = createService(be, net, { defence: 'none' }).answer(reference).clean;
  return queryFeatures(reference, clean, rowViews(clean).map(argmax), scorer);
}

/**
 * @throws RangeError for an empty reference or bad counts
 */
export function calibrateOnReference(
  be: Backend,
  net: DeepRbm,
  reference: Matrix<Float64Array>,
  options: ReferenceCalibrationOptions,
): { scorer: OodScorer; calibration: Calibration } {
  const settings = options.settings ?? DEFAULT_DETECTION;
  const streams = options.streams ?? 100;
  const length = options.length ?? 500;
  if (!(Number.isInteger(streams) && streams >= 1 && Number.isInteger(length) && length >= 1)) {
    throw new RangeError(`calibration needs whole numbers of streams and queries, got ${streams} × ${length}`);
  }
  const scorer = bottomRbmScorer(be, net, reference, settings.oodQuantile);
  const features = referenceFeatures(be, net, reference, scorer);
  const benign = Array.from({ length: streams }, (_, i) => {
    const rng = rngFor('detection-calibration', options.seed, i);
    return Array.from({ length }, () => features[Math.floor(rng.nextFloat() * features.length)]!);
  });
  const classes = widths(net).at(-1)!;
  return { scorer, calibration: calibrateThresholds(benign, classes, options.falseAlarmRate ?? 0.01, settings) };
}
