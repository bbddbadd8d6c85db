/**
 * A server's own calibration: benign client streams drawn from in-distribution
 * inputs the victim did not train on (the data set's test split: on its own
 * training digits a victim is surer than on a user's, and thresholds set
 * there alarmed on 16% of honest random streams), answered by the undefended
 * model, in the four honest behaviours of benign-streams.ts in turn (random,
 * sorted by class, one class's skew, repeats); each detector's threshold at
 * falseAlarmRate / 4 of those streams (the four together within
 * falseAlarmRate), the OOD scorer (bottom-RBM free energy at
 * `settings.oodQuantile` of the same inputs) and the input-mass profile (the
 * same inputs' mass per clean class). Streams longer than `length` raise
 * the false-alarm rate.
 */
import { rngFor, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { widths, type DeepRbm } from '@rgdl/rbm';
import { argmax } from '../constrain.js';
import { createService } from '../defences.js';
import { bottomRbmScorer, type OodScorer } from '../misinformation.js';
import { calibrateThresholds, type Calibration } from './calibrate.js';
import { BENIGN_KINDS, benignStream } from './benign-streams.js';
import {
  DEFAULT_DETECTION,
  DETECTORS,
  inputMassProfile,
  queryFeatures,
  type DetectionSettings,
  type InputMassProfile,
  type QueryFeature,
} from './detectors.js';

export interface ReferenceCalibrationOptions {
  /** Benign streams (default 100) of `length` queries (default 500). */
  readonly streams?: number;
  readonly length?: number;
  /** Fraction of benign streams allowed to alarm, all detectors together (default 0.01). */
  readonly falseAlarmRate?: number;
  readonly seed: number;
  readonly settings?: DetectionSettings;
}

/**
 * The features of every reference input once (streams are orders of them),
 * and the input-mass profile made from the same inputs and clean labels.
 */
export function referenceFeatures(
  be: Backend,
  net: DeepRbm,
  reference: Matrix<Float64Array>,
  scorer: OodScorer,
): { features: QueryFeature[]; mass: InputMassProfile } {
  const clean = createService(be, net, { defence: 'none' }).answer(reference).clean;
  const labels = rowViews(clean).map(argmax);
  const mass = inputMassProfile(reference, labels, clean.cols);
  return { features: queryFeatures(reference, clean, labels, scorer, mass), mass };
}

/**
 * @throws RangeError for an empty reference or bad counts
 */
export function calibrateOnReference(
  be: Backend,
  net: DeepRbm,
  reference: Matrix<Float64Array>,
  options: ReferenceCalibrationOptions,
): { scorer: OodScorer; mass: InputMassProfile; calibration: Calibration } {
  const settings = options.settings ?? DEFAULT_DETECTION;
  const streams = options.streams ?? 100;
  const length = options.length ?? 500;
  if (!(Number.isInteger(streams) && streams >= 1 && Number.isInteger(length) && length >= 1)) {
    throw new RangeError(`calibration needs whole numbers of streams and queries, got ${streams} × ${length}`);
  }
  const scorer = bottomRbmScorer(be, net, reference, settings.oodQuantile);
  const { features, mass } = referenceFeatures(be, net, reference, scorer);
  const benign = Array.from({ length: streams }, (_, i) =>
    benignStream(
      features,
      BENIGN_KINDS[i % BENIGN_KINDS.length]!,
      length,
      rngFor('detection-calibration', options.seed, i),
    ),
  );
  const classes = widths(net).at(-1)!;
  const rate = options.falseAlarmRate ?? 0.01;
  return {
    scorer,
    mass,
    calibration: { ...calibrateThresholds(benign, classes, rate / DETECTORS.length, settings), falseAlarmRate: rate },
  };
}
