/**
 * The per-client monitor a server calls on each batch: the batch's features
 * (bytes, served labels, OOD flags, clean entropies, mass z²) are folded into the
 * client's record in its store, the record is scored once at the batch's
 * end, and the detectors whose score is past its calibrated threshold are the
 * client's alarms (an alarm stays; `newAlarms`
 * lists the ones raised by this batch, so a server logs each once).
 */
import type { Matrix } from '@rgdl/gpu-kernels';
import type { OodScorer } from '../misinformation.js';
import { alarmsOf, type Calibration } from './calibrate.js';
import type { ClientStore } from './client-store.js';
import { prepareShapiroWilk, SHAPIRO_WILK_MAX } from './shapiro-wilk.js';
import {
  DEFAULT_DETECTION,
  foldQuery,
  queryFeatures,
  scoresOf,
  type ClientRecord,
  type DetectionSettings,
  type DetectorName,
  type InputMassProfile,
} from './detectors.js';

export interface Observation {
  readonly record: ClientRecord;
  /** Alarms raised by this batch. */
  readonly newAlarms: readonly DetectorName[];
}

export interface ClientMonitor {
  readonly calibration: Calibration;
  readonly settings: DetectionSettings;
  /** Folds a batch (inputs, clean answers, served labels) into the client's record. */
  observe(
    client: string,
    inputs: Matrix<Float64Array>,
    clean: Matrix<Float64Array>,
    servedLabels: readonly number[],
  ): Promise<Observation>;
  /** Where the records live (the server reads a client's alarms from it before answering). */
  readonly store: ClientStore;
}

export function createClientMonitor(options: {
  readonly scorer: OodScorer;
  readonly mass: InputMassProfile;
  readonly store: ClientStore;
  readonly calibration: Calibration;
  readonly settings?: DetectionSettings;
}): ClientMonitor {
  const settings = options.settings ?? DEFAULT_DETECTION;
  const { calibration, store, scorer, mass } = options;
  // PRADA scores a client with n = minDistances … maxDistances distances: Shapiro–Wilk's
  // coefficients for each n once now (49 ms here and 4 MiB at the defaults), not on the
  // request that first reaches that n
  prepareShapiroWilk(Math.max(3, settings.minDistances), Math.min(SHAPIRO_WILK_MAX, settings.maxDistances));
  return {
    calibration,
    settings,
    store,
    observe: async (client, inputs, clean, servedLabels) => {
      const features = queryFeatures(inputs, clean, servedLabels, scorer, mass);
      let newAlarms: DetectorName[] = [];
      const record = await store.update(client, (r) => {
        // a shared store may call this again after a conflict: recompute from what it read
        newAlarms = [];
        // scored once per batch (calibration scores after every query, so its thresholds are
        // maxima over at least as many points: batch scoring alarms no more often)
        for (const q of features) foldQuery(r, q, settings, false);
        r.scores = scoresOf(r, settings);
        for (const d of alarmsOf(r, calibration.thresholds)) {
          if (!r.alarms.includes(d)) {
            r.alarms.push(d);
            newAlarms.push(d);
          }
        }
      });
      return { record, newAlarms };
    },
  };
}
