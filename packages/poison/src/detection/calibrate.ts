/**
 * Thresholds from benign streams: each detector's threshold is chosen so that
 * at most a fraction α of benign client streams of the calibration length ever
 * score above it (the ⌊αk⌋+1-th largest of the k streams' maximum scores). A
 * stream longer than the calibration length raises the false-alarm rate; the
 * length is part of the result.
 */
import {
  DEFAULT_DETECTION,
  DETECTORS,
  emptyRecord,
  foldQuery,
  noScores,
  type ClientRecord,
  type DetectionSettings,
  type DetectorName,
  type QueryFeature,
} from './detectors.js';

export interface Calibration {
  /** Alarm when a score exceeds this (absent: the detector never scored on the benign streams). */
  readonly thresholds: Partial<Record<DetectorName, number>>;
  /** The target fraction of benign streams that alarm. */
  readonly falseAlarmRate: number;
  /** Benign streams and their length in queries. */
  readonly streams: number;
  readonly length: number;
}

/** Each detector's maximum score over the stream (null: never scored), and the record at the end. */
export function streamMaxima(
  stream: readonly QueryFeature[],
  classes: number,
  settings: DetectionSettings = DEFAULT_DETECTION,
): { maxima: Record<DetectorName, number | null>; record: ClientRecord } {
  const record = emptyRecord(classes);
  const maxima = noScores();
  for (const q of stream) {
    foldQuery(record, q, settings);
    for (const d of DETECTORS) {
      const s = record.scores[d];
      if (s !== null && (maxima[d] === null || s > maxima[d]!)) maxima[d] = s;
    }
  }
  return { maxima, record };
}

/**
 * @throws RangeError for no streams, streams of different lengths, or α outside (0, 1)
 */
export function calibrateThresholds(
  benign: readonly (readonly QueryFeature[])[],
  classes: number,
  falseAlarmRate: number,
  settings: DetectionSettings = DEFAULT_DETECTION,
): Calibration {
  if (benign.length === 0) throw new RangeError('calibration needs at least one benign stream');
  if (!(falseAlarmRate > 0 && falseAlarmRate < 1)) {
    throw new RangeError(`the false-alarm rate must be in (0, 1), got ${falseAlarmRate}`);
  }
  const length = benign[0]!.length;
  if (benign.some((s) => s.length !== length)) throw new RangeError('calibration streams must have one length');
  const maxima = benign.map((s) => streamMaxima(s, classes, settings).maxima);
  const thresholds: Partial<Record<DetectorName, number>> = {};
  for (const d of DETECTORS) {
    const m = maxima
      .map((x) => x[d])
      .filter((v): v is number => v !== null)
      .sort((a, b) => b - a);
    if (m.length > 0) thresholds[d] = m[Math.min(m.length - 1, Math.floor(falseAlarmRate * benign.length))]!;
  }
  return { thresholds, falseAlarmRate, streams: benign.length, length };
}

/** Detectors whose score exceeds its threshold now. */
export function alarmsOf(record: ClientRecord, thresholds: Calibration['thresholds']): DetectorName[] {
  return DETECTORS.filter((d) => {
    const s = record.scores[d];
    const t = thresholds[d];
    return s !== null && t !== undefined && s > t;
  });
}
