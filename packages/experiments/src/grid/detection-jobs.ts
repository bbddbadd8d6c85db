/**
 * The detection experiment (detection-experiment.ts) as jobs for the grid
 * runner: one setup job (the victim and the detectors' thresholds calibrated
 * on the defender's half of the natural digits) and one job per stream kind
 * (its benign or attacker streams). Pure functions of their inputs, hashed
 * like the fair test's; a kind's job needs the setup's result.
 */
import { matrix, rngFor, rowViews, seedFor, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import {
  argmax,
  BENIGN_KINDS,
  benignStream,
  bottomRbmScorer,
  calibrateThresholds,
  DEFAULT_DETECTION,
  DETECTORS,
  emptyRecord,
  foldQuery,
  inputMassProfile,
  noScores,
  outOfDistributionQueries,
  pickRows,
  queryFeatures,
  SURROGATE_FAMILIES,
  surrogateQueries,
  trainAttacker,
  type Calibration,
  type DetectorName,
  type QueryFeature,
} from '@rgdl/poison';
import { accuracy, loadMnist, parseModel, serializeModel, shuffle, type DeepRbm } from '@rgdl/rbm';
import { ATTACK_KINDS, type StreamKind, type StreamRow } from '../detection-experiment.js';
import { servedQuickVictim } from '../quick-victim.js';
import { hashOf } from './fair-jobs.js';

/** Every setting of a detection run (what its jobs' hashes are made of). */
export interface DetectionGrid {
  readonly length: number;
  readonly benignStreams: number;
  readonly attackStreams: number;
  readonly calibrationStreams: number;
  readonly falseAlarmRate: number;
  readonly seed: number;
}

/** What the setup job leaves for the stream jobs. */
export interface DetectionSetup {
  readonly model: string;
  readonly widths: number[];
  readonly testAccuracy: number;
  readonly calibration: Calibration & { readonly falseAlarmRate: number };
}

export const kindIndex = (k: StreamKind) => [...BENIGN_KINDS, ...ATTACK_KINDS].indexOf(k as never);

const shuffled = (n: number, rng: ReturnType<typeof rngFor>) => {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  shuffle(p, rng);
  return p;
};

/**
 * The victim, its clean service and the two halves of the natural digits it
 * never saw (the attacker split and the test digits, split by a seeded
 * permutation): the defender holds one (its OOD scorer's reference and its
 * calibration streams), users and attackers draw from the other.
 */
function detectionWorld(be: Backend, grid: DetectionGrid, net?: DeepRbm) {
  const served = servedQuickVictim(be, net);
  const { data, service } = served;
  const all = matrix(data.attacker.x.rows + data.test.x.rows, data.attacker.x.cols);
  all.data.set(data.attacker.x.data);
  all.data.set(data.test.x.data, data.attacker.x.data.length);
  const order = shuffled(all.rows, rngFor('detection-stream', grid.seed, 99, 0));
  const half = Math.floor(all.rows / 2);
  const held = pickRows(all, Array.from(order.subarray(0, half)));
  const natural = pickRows(all, Array.from(order.subarray(half)));
  const scorer = bottomRbmScorer(be, served.net, held, DEFAULT_DETECTION.oodQuantile);
  // the held digits are answered once: their labels make the mass profile, and the setup folds their features
  const heldClean = service.answer(held).clean;
  const heldLabels = rowViews(heldClean).map(argmax);
  const mass = inputMassProfile(held, heldLabels, heldClean.cols);
  const heldFeatures = () => queryFeatures(held, heldClean, heldLabels, scorer, mass);
  const features = (x: Matrix<Float64Array>): QueryFeature[] => {
    const clean = service.answer(x).clean;
    return queryFeatures(x, clean, rowViews(clean).map(argmax), scorer, mass);
  };
  return { ...served, held, natural, features, heldFeatures };
}

/** The setup job: trains the victim and calibrates the thresholds (the four honest behaviours in turn, each detector at α/4). */
export function detectionSetup(be: Backend, grid: DetectionGrid): DetectionSetup {
  const w = detectionWorld(be, grid);
  const victim = w.victim!;
  const heldFeatures = w.heldFeatures();
  const streams = Array.from({ length: grid.calibrationStreams }, (_, i) =>
    benignStream(
      heldFeatures,
      BENIGN_KINDS[i % BENIGN_KINDS.length]!,
      grid.length,
      rngFor('detection-calibration', grid.seed, i),
    ),
  );
  const classes = victim.widths.at(-1)!;
  return {
    model: serializeModel(victim.net, {}),
    widths: victim.widths,
    testAccuracy: victim.testAccuracy,
    calibration: {
      ...calibrateThresholds(streams, classes, grid.falseAlarmRate / DETECTORS.length, DEFAULT_DETECTION),
      falseAlarmRate: grid.falseAlarmRate,
    },
  };
}

/** One kind's streams: benign ones scored for alarms, attacker ones also with their clone at the alarm and at the end. */
export function detectionKind(be: Backend, grid: DetectionGrid, setup: DetectionSetup, kind: StreamKind): StreamRow[] {
  const w = detectionWorld(be, grid, parseModel(setup.model).net);
  const { data, service, natural, features } = w;
  const { calibration } = setup;
  const settings = DEFAULT_DETECTION;
  const seed = grid.seed;
  const L = grid.length;
  const classes = setup.widths.at(-1)!;
  const victim = { widths: setup.widths };
  const naturalCount = natural.rows;
  const n0 = natural.cols;
  const rows: StreamRow[] = [];
  /** First alarm (1-based) of each detector over a stream of features; one record per key for split streams. */
  const firstAlarms = (stream: readonly QueryFeature[], keys = 1): Pick<StreamRow, 'alarmAt' | 'maxScore'> => {
    const records = Array.from({ length: keys }, () => emptyRecord(classes));
    const at: Record<DetectorName | 'any', number | null> = { ...noScores(), any: null };
    const maxScore = noScores();
    stream.forEach((q, i) => {
      const r = records[i % keys]!;
      foldQuery(r, q, settings);
      for (const d of DETECTORS) {
        const s = r.scores[d];
        const t = calibration.thresholds[d];
        if (s !== null && (maxScore[d] === null || s > maxScore[d]!)) maxScore[d] = s;
        if (at[d] === null && s !== null && t !== undefined && s > t) at[d] = i + 1;
      }
    });
    const hits = DETECTORS.map((d) => at[d]).filter((v): v is number => v !== null);
    at.any = hits.length ? Math.min(...hits) : null;
    return { alarmAt: at, maxScore };
  };

  if ((BENIGN_KINDS as readonly string[]).includes(kind)) {
    const naturalFeatures = features(natural);
    for (let s = 0; s < grid.benignStreams; s++) {
      const stream = benignStream(
        naturalFeatures,
        kind as (typeof BENIGN_KINDS)[number],
        L,
        rngFor('detection-stream', seed, kindIndex(kind), s),
      );
      rows.push({ kind, benign: true, stream: s, ...firstAlarms(stream) });
    }
    return rows;
  }
  const grey = loadMnist({ size: 14, split: 'attacker', binarise: false });
  for (let s = 0; s < grid.attackStreams; s++) {
    const rng = rngFor('detection-stream', seed, kindIndex(kind), s);
    const synthetic = (count: number): Matrix<Float64Array> => {
      const out = matrix(count, n0);
      const seeds = shuffled(naturalCount, rng).subarray(0, 10);
      let cur = new Float64Array(n0);
      for (let r = 0; r < count; r++) {
        if (r % Math.ceil(count / 10) === 0) {
          const i = seeds[Math.floor(r / Math.ceil(count / 10))]!;
          cur = natural.data.slice(i * n0, (i + 1) * n0);
        }
        cur = cur.map((v) => Math.min(1, Math.max(0, v + (rng.nextFloat() < 0.5 ? -0.1 : 0.1))));
        out.data.set(cur, r * n0);
      }
      return out;
    };
    let x: Matrix<Float64Array>;
    if (kind === 'natural') x = pickRows(natural, Array.from(shuffled(naturalCount, rng).subarray(0, L)));
    else if (kind === 'synthetic' || kind === 'split-4') x = synthetic(L);
    else if (kind === 'ood')
      x = outOfDistributionQueries(data.attacker.x, L, seedFor('detection-stream', seed, kindIndex(kind), s));
    else if (kind === 'knockoff') {
      const idx = Array.from(shuffled(grey.x.rows, rng).subarray(0, L));
      const family = SURROGATE_FAMILIES[s % SURROGATE_FAMILIES.length]!;
      x = surrogateQueries(pickRows(grey.x, idx), family, 0.5, rng);
    } else if (kind === 'smoothing') {
      // each digit, then its shifts by one pixel right, down and diagonally
      const side = Math.round(Math.sqrt(n0));
      const digits = pickRows(natural, Array.from(shuffled(naturalCount, rng).subarray(0, Math.ceil(L / 4))));
      x = matrix(L, n0);
      for (let r = 0; r < L; r++) {
        const d = digits.data.subarray(Math.floor(r / 4) * n0, (Math.floor(r / 4) + 1) * n0);
        const [dr, dc] = (
          [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ] as const
        )[r % 4]!;
        for (let i = 0; i < side; i++) {
          for (let j = 0; j < side; j++) {
            x.data[r * n0 + i * side + j] = i >= dr && j >= dc ? d[(i - dr) * side + (j - dc)]! : 0;
          }
        }
      }
    } else {
      // slow and low: one synthetic query in five
      const syn = synthetic(Math.ceil(L / 5));
      const nat = pickRows(natural, Array.from(shuffled(naturalCount, rng).subarray(0, L)));
      x = matrix(L, n0);
      for (let r = 0; r < L; r++) {
        const k = (r - 4) / 5; // the k-th synthetic query, at every fifth place
        const src = r % 5 === 4 ? syn.data.subarray(k * n0, (k + 1) * n0) : nat.data.subarray(r * n0, (r + 1) * n0);
        x.data.set(src, r * n0);
      }
    }
    const stream = features(x);
    const { alarmAt, maxScore } = firstAlarms(stream, kind === 'split-4' ? 4 : 1);
    const answers = service.answer(x).served;
    const clone = (n: number) => {
      const c = trainAttacker(
        be,
        'softmax',
        pickRows(
          x,
          Array.from({ length: n }, (_, i) => i),
        ),
        pickRows(
          answers,
          Array.from({ length: n }, (_, i) => i),
        ),
        {
          widths: victim.widths,
          seed: seedFor('detection-stream', seed, kindIndex(kind), s),
        },
      );
      return accuracy(c.predict(data.test.x), data.test.labels);
    };
    const cloneAtEnd = clone(L);
    const cloneAtAlarm = alarmAt.any === null ? null : clone(alarmAt.any);
    rows.push({ kind, benign: false, stream: s, alarmAt, maxScore, cloneAtAlarm, cloneAtEnd });
  }
  return rows;
}

export interface DetectionSetupJob {
  readonly kind: 'detection-setup';
  readonly key: string;
  readonly hash: string;
  readonly grid: DetectionGrid;
}

export interface DetectionKindJob {
  readonly kind: 'detection-kind';
  readonly key: string;
  readonly hash: string;
  readonly grid: DetectionGrid;
  readonly stream: StreamKind;
  readonly needs: string;
}

export type DetectionJob = DetectionSetupJob | DetectionKindJob;

/** The setup job, then one job per stream kind, attackers first (their clones make them the longest). */
export function detectionJobs(grid: DetectionGrid): DetectionJob[] {
  const setupHash = hashOf({ kind: 'detection-setup', grid });
  const jobs: DetectionJob[] = [{ kind: 'detection-setup', key: 'detection setup', hash: setupHash, grid }];
  for (const stream of [...ATTACK_KINDS, ...BENIGN_KINDS]) {
    jobs.push({
      kind: 'detection-kind',
      key: `detection ${stream}`,
      hash: hashOf({ kind: 'detection-kind', needs: setupHash, stream }),
      grid,
      stream,
      needs: setupHash,
    });
  }
  return jobs;
}

/** Runs one detection job (the setup returns DetectionSetup; a kind its rows). */
export function runDetectionJob(be: Backend, job: DetectionJob, dependency?: unknown): unknown {
  if (job.kind === 'detection-setup') return detectionSetup(be, job.grid);
  if (dependency === undefined) throw new Error(`job ${job.key} needs the detection setup`);
  return detectionKind(be, job.grid, dependency as DetectionSetup, job.stream);
}
