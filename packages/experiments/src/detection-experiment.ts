/**
 * The detection experiment: how soon do the per-client detectors (PRADA, the
 * free-energy OOD rate, answer entropy; @rgdl/poison's detection/) flag an
 * extraction attacker, how often do they flag honest users, and how good a
 * clone had the attacker trained by the time of the alarm?
 *  - victim: the quick grid's depth-2 victim, served undefended. The natural
 *    digits it never saw (the attacker split and the test digits) are split
 *    in two halves by a seeded permutation: the defender holds one (its OOD
 *    scorer's reference, and `calibrationStreams` benign streams in the four
 *    honest behaviours of @rgdl/poison's benign-streams.ts, each detector's
 *    threshold at falseAlarmRate/3 so the three together stay within
 *    falseAlarmRate); users and attackers draw from the other;
 *  - benign streams: random order; sorted by class; one user's class skew
 *    (70% one class); repeated queries (100 digits asked 10 times);
 *  - attacker streams: natural (digits of the victim's own distribution, each
 *    once: the attacker no detector of the query distribution can tell from a
 *    user); knockoff (surrogate data: the digits transformed by one family of
 *    the surrogate experiment at level ½, as Knockoff Nets query another
 *    data set); synthetic (JBDA-like: 10 natural seeds, each query the
 *    previous one moved by λ = 0.1 in a random sign pattern, clipped to
 *    [0, 1]); the fair test's OOD queries; smoothing (the battery's smoothing
 *    attacker: each digit asked four times, shifted by one pixel each way);
 *    slow and low (one synthetic query in five, the rest natural); synthetic
 *    split across 4 keys (queries until the first key alarms, counted over all
 *    keys);
 *  - per stream: the first query at which each detector alarms, and for
 *    attackers the test accuracy of a softmax clone trained on the answers
 *    received up to the alarm (and on the whole stream).
 * Every stream has `length` queries; thresholds hold for streams of the
 * calibration length (`length` too).
 */
import { join } from 'node:path';
import { DEFAULT_SEED } from '@rgdl/gpu-kernels';
import {
  BENIGN_KINDS,
  DETECTORS,
  SURROGATE_FAMILIES,
  type BenignKind,
  type Calibration,
  type DetectorName,
} from '@rgdl/poison';
import { detectionJobs, type DetectionGrid, type DetectionSetup } from './grid/detection-jobs.js';
import { type ExperimentRunner, runExperimentJobs } from './grid/run-grid.js';
import type { ChartSpec, OutputEntry } from './reports/charts.js';
import { roc } from './reports/roc.js';
import { pct, runTime, table } from './reports/text-table.js';

export const ATTACK_KINDS = ['natural', 'knockoff', 'synthetic', 'ood', 'smoothing', 'slow-low', 'split-4'] as const;
export type StreamKind = BenignKind | (typeof ATTACK_KINDS)[number];

export interface DetectionExperimentOptions extends ExperimentRunner {
  /** Queries per stream (and per calibration stream; default 1,000). */
  readonly length?: number;
  /** Streams per benign kind (default 100) and per attacker kind (default 60: ten of each knockoff family). */
  readonly benignStreams?: number;
  readonly attackStreams?: number;
  /** Benign calibration streams (default 300). */
  readonly calibrationStreams?: number;
  /** The combined benign false-alarm target (default 0.01). */
  readonly falseAlarmRate?: number;
  readonly seed?: number;
}

export interface StreamRow {
  readonly kind: StreamKind;
  readonly benign: boolean;
  readonly stream: number;
  /** Queries (1-based) at the first alarm of each detector, and of any; null: no alarm within the stream. */
  readonly alarmAt: Record<DetectorName | 'any', number | null>;
  /** Each detector's largest score over the stream (the ROC's score; null: never scored). */
  readonly maxScore: Record<DetectorName, number | null>;
  /** Attackers: test accuracy of a softmax clone on the answers up to the first alarm, and on all of them. */
  readonly cloneAtAlarm?: number | null;
  readonly cloneAtEnd?: number;
}

export interface KindSummary {
  readonly kind: StreamKind;
  readonly benign: boolean;
  readonly streams: number;
  /** Streams with an alarm (any detector) within the stream, and per detector. */
  readonly alarmed: number;
  readonly alarmedBy: Record<DetectorName, number>;
  /** Median queries until the first alarm among the alarmed streams (null: none alarmed). */
  readonly medianQueries: number | null;
  /** Attackers: mean clone accuracy at the alarm (unalarmed streams: at the end) and at the end. */
  readonly cloneAtAlarm?: number;
  readonly cloneAtEnd?: number;
}

export interface DetectionResult {
  readonly victim: { readonly widths: readonly number[]; readonly testAccuracy: number };
  readonly length: number;
  readonly calibration: Calibration;
  readonly rows: readonly StreamRow[];
  readonly summary: readonly KindSummary[];
  /** Per detector: the ROC of the stream's largest score, every attacker stream but 'natural' against every benign one, and its AUC per attacker kind. */
  readonly roc: Record<
    DetectorName,
    {
      readonly points: readonly (readonly [number, number])[];
      readonly auc: number;
      readonly aucByKind: Record<string, number>;
    }
  >;
  /** Benign streams with any alarm, of all benign streams, and the 95% Wilson interval of that rate. */
  readonly benignFalseAlarms: {
    readonly alarmed: number;
    readonly of: number;
    readonly low: number;
    readonly high: number;
  };
  readonly seconds: number;
  /** Jobs of the run, and how many were computed (the rest were in the store). */
  readonly jobs: number;
  readonly jobsComputed: number;
}

/** The 95% Wilson score interval of k successes in n. */
export function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { low: Math.max(0, c - h), high: Math.min(1, c + h) };
}

export async function runDetectionExperiment(options: DetectionExperimentOptions = {}): Promise<DetectionResult> {
  const t0 = performance.now();
  const grid: DetectionGrid = {
    length: options.length ?? 1000,
    benignStreams: options.benignStreams ?? 100,
    attackStreams: options.attackStreams ?? 60,
    calibrationStreams: options.calibrationStreams ?? 300,
    falseAlarmRate: options.falseAlarmRate ?? 0.01,
    seed: options.seed ?? DEFAULT_SEED,
  };
  const L = grid.length;
  const jobs = detectionJobs(grid);
  const run = await runExperimentJobs(jobs, options, 'detection.jobs.jsonl');
  const setup = run.store.get<DetectionSetup>(jobs[0]!.hash)!;
  const calibration = setup.calibration;
  const victim = { widths: setup.widths, testAccuracy: setup.testAccuracy };
  // rows in kind order (benign first), whatever order the jobs ran in
  const rows: StreamRow[] = [...BENIGN_KINDS, ...ATTACK_KINDS].flatMap((kind) => {
    const job = jobs.find((j) => j.kind === 'detection-kind' && j.stream === kind)!;
    return run.store.get<StreamRow[]>(job.hash)!;
  });

  const summary = [...BENIGN_KINDS, ...ATTACK_KINDS].map((kind): KindSummary => {
    const of = rows.filter((r) => r.kind === kind);
    const hit = of
      .filter((r) => r.alarmAt.any !== null)
      .map((r) => r.alarmAt.any!)
      .sort((a, b) => a - b);
    const benign = of[0]?.benign ?? true;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    return {
      kind,
      benign,
      streams: of.length,
      alarmed: hit.length,
      alarmedBy: Object.fromEntries(
        DETECTORS.map((d) => [d, of.filter((r) => r.alarmAt[d] !== null).length]),
      ) as Record<DetectorName, number>,
      medianQueries: hit.length ? hit[Math.floor(hit.length / 2)]! : null,
      ...(benign
        ? {}
        : {
            cloneAtAlarm: mean(of.map((r) => r.cloneAtAlarm ?? r.cloneAtEnd!)),
            cloneAtEnd: mean(of.map((r) => r.cloneAtEnd!)),
          }),
    };
  });
  const benignRows = rows.filter((r) => r.benign);
  const alarmed = benignRows.filter((r) => r.alarmAt.any !== null).length;
  const score = (r: StreamRow, d: DetectorName) => r.maxScore[d] ?? Number.NEGATIVE_INFINITY;
  const rocs = Object.fromEntries(
    DETECTORS.map((d) => {
      const negatives = benignRows.map((r) => score(r, d));
      const pooled = roc(
        rows.filter((r) => !r.benign && r.kind !== 'natural').map((r) => score(r, d)),
        negatives,
      );
      const aucByKind = Object.fromEntries(
        ATTACK_KINDS.map((k) => [
          k,
          roc(
            rows.filter((r) => r.kind === k).map((r) => score(r, d)),
            negatives,
          ).auc,
        ]),
      );
      return [d, { ...pooled, aucByKind }];
    }),
  ) as DetectionResult['roc'];
  return {
    victim: { widths: victim.widths, testAccuracy: victim.testAccuracy },
    length: L,
    calibration,
    rows,
    summary,
    roc: rocs,
    benignFalseAlarms: { alarmed, of: benignRows.length, ...wilson(alarmed, benignRows.length) },
    seconds: (performance.now() - t0) / 1000,
    jobs: run.jobs,
    jobsComputed: run.computed,
  };
}

/** Each detector's column in detection.md's table. */
const DETECTOR_COLUMNS: Record<DetectorName, string> = {
  prada: 'PRADA',
  'free-energy': 'free energy',
  'answer-entropy': 'entropy',
  'input-mass': 'input mass',
};

/** detection.md: the setting, false alarms, one line per stream kind. */
export function detectionMarkdown(r: DetectionResult): string {
  const fa = r.benignFalseAlarms;
  const th = r.calibration.thresholds;
  return [
    '# Detection: which clients are extracting the model?',
    '',
    `Victim [${r.victim.widths.join(', ')}] (${pct(r.victim.testAccuracy)}%), served undefended. Detectors: PRADA (Shapiro–Wilk of nearest-query distances), free-energy OOD rate, answer entropy, input mass (the mean of min(z², 9) over the window's distinct queries, standardised; z = Σx against the defender's digits of the same class); thresholds calibrated on ${r.calibration.streams} benign streams (random, class by class, one class's skew, repeats) of ${r.length} of the defender's held-out digits, each detector at ${((100 * r.calibration.falseAlarmRate) / DETECTORS.length).toFixed(2)}% (PRADA 1 − W > ${th.prada?.toFixed(4) ?? '–'}, OOD rate > ${th['free-energy']?.toFixed(3) ?? '–'}, entropy > ${th['answer-entropy']?.toFixed(3) ?? '–'}, mass score > ${th['input-mass']?.toFixed(3) ?? '–'}). Streams of ${r.length} queries. ${runTime(r)}.`,
    '',
    `Benign streams with any alarm: ${fa.alarmed} of ${fa.of} (${pct(fa.alarmed / Math.max(1, fa.of))}%, 95% CI ${pct(fa.low)}–${pct(fa.high)}%).`,
    '',
    table(
      [
        'stream',
        'kind',
        'alarmed',
        ...DETECTORS.map((d) => DETECTOR_COLUMNS[d]),
        'median queries to alarm',
        'clone at alarm',
        'clone at end',
      ],
      r.summary.map((s) => [
        s.kind,
        s.benign ? 'benign' : 'attacker',
        `${s.alarmed} / ${s.streams}`,
        ...DETECTORS.map((d) => String(s.alarmedBy[d])),
        s.medianQueries === null ? '–' : String(s.medianQueries),
        s.cloneAtAlarm === undefined ? '' : `${pct(s.cloneAtAlarm)}%`,
        s.cloneAtEnd === undefined ? '' : `${pct(s.cloneAtEnd)}%`,
      ]),
    ),
    '',
    '"clone at alarm": a softmax clone trained on the answers up to the first alarm (streams never flagged: all of them).',
    '',
    'Knockoff streams by surrogate family (stream s uses family s mod 6): flagged / streams, median queries to the alarm:',
    '',
    table(
      ['family', 'flagged', 'median queries to alarm', ...DETECTORS],
      SURROGATE_FAMILIES.map((family, f) => {
        const of = r.rows.filter((row) => row.kind === 'knockoff' && row.stream % SURROGATE_FAMILIES.length === f);
        const hit = of
          .map((row) => row.alarmAt.any)
          .filter((v): v is number => v !== null)
          .sort((a, b) => a - b);
        return [
          family,
          `${hit.length} / ${of.length}`,
          hit.length ? String(hit[Math.floor(hit.length / 2)]) : '–',
          ...DETECTORS.map((d) => String(of.filter((row) => row.alarmAt[d] !== null).length)),
        ];
      }),
    ),
    '',
    "Area under the ROC of each detector (the stream's largest score; every benign stream as the negatives):",
    '',
    table(
      ['detector', 'pooled (all but natural)', ...ATTACK_KINDS],
      DETECTORS.map((d) => [d, r.roc[d].auc.toFixed(3), ...ATTACK_KINDS.map((k) => r.roc[d].aucByKind[k]!.toFixed(3))]),
    ),
    '',
  ].join('\n');
}

/** The ROC of each detector, attacker streams (all but natural) against benign ones. */
export function detectionRocChart(r: DetectionResult): ChartSpec {
  return {
    title: 'extraction detectors: ROC over client streams',
    subtitle: `streams of ${r.length} queries; score: the stream's largest; attackers: every kind but natural digits`,
    xLabel: 'benign streams flagged (false-alarm rate)',
    yLabel: 'attacker streams flagged',
    series: DETECTORS.map((d) => ({ name: `${d} (AUC ${r.roc[d].auc.toFixed(3)})`, points: r.roc[d].points })),
  };
}

export function detectionFiles(r: DetectionResult, out: string): OutputEntry[] {
  return [
    { path: join(out, 'detection.json'), text: `${JSON.stringify(r, null, 1)}\n` },
    { path: join(out, 'detection.md'), text: detectionMarkdown(r) },
    { path: join(out, 'detection-roc.svg'), chart: detectionRocChart(r) },
  ];
}
