/**
 * The fair test as jobs (@rgdl/poison's pieces): one 'victim' job per depth
 * (train the victim, its FIM cache, its test accuracy) and one 'arm' job per
 * depth × defence × strength (every attacker, budget and seed of that arm
 * setting). A job is a pure function of its inputs: its hash is the SHA-256 of
 * those inputs, so a finished job is never run twice and a changed grid reruns
 * only the jobs whose inputs changed.
 */
import { createHash } from 'node:crypto';
import type { Backend } from '@rgdl/gpu-kernels';
import {
  defenceDescriptor,
  fairCells,
  fairTestData,
  isCostlyAttacker,
  fairVictim,
  runFairArm,
  type DefenceName,
  type FairArmResult,
  type FairTestConfig,
  type FairTestData,
  type FairVictim,
} from '@rgdl/poison';
import { parseModel, serializeModel } from '@rgdl/rbm';
import { type DataSpec, loadDataset } from '../data.js';

/** Bump when a job's code changes what it computes: every stored result is then recomputed (2: trained adaptive misinformation, tuned attackers; 3: attackers see the published defence; 4: the FIM cache by Gibbs sampling, missing information). */
export const JOB_FORMAT = 4;

/** A grid as data: the fair-test configuration without callbacks or loaded data, and where its data comes from. */
export interface FairGridSpec {
  readonly config: Omit<FairTestConfig, 'onProgress' | 'data'>;
  /** Own data (the CLI's --data); absent: 14×14 MNIST. */
  readonly data?: DataSpec;
}

export interface VictimJob {
  readonly kind: 'victim';
  readonly key: string;
  readonly hash: string;
  readonly spec: FairGridSpec;
  readonly depth: number;
}

export interface ArmJob {
  readonly kind: 'arm';
  readonly key: string;
  readonly hash: string;
  readonly spec: FairGridSpec;
  readonly depth: number;
  readonly defence: DefenceName;
  readonly strength: number;
  readonly victimHash: string;
  /** The job whose result this one takes (its victim). */
  readonly needs: string;
}

export type FairJob = VictimJob | ArmJob;

/** A trained victim as JSON: the model file text and the FIM cache. */
export interface VictimPayload {
  readonly depth: number;
  readonly widths: number[];
  readonly testAccuracy: number;
  readonly model: string;
  readonly directions: unknown;
}

/** The hash of a job's inputs (and the job format): its id in the store and on the queue. */
export const hashOf = (inputs: unknown) =>
  createHash('sha256')
    .update(JSON.stringify({ format: JOB_FORMAT, inputs }))
    .digest('hex')
    .slice(0, 32);

/** Float64Arrays as {"f64": [...]} (JSON numbers round-trip exactly). */
export function encode(v: unknown): unknown {
  if (v instanceof Float64Array) return { f64: Array.from(v) };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.f64) && Object.keys(o).length === 1) return Float64Array.from(o.f64 as number[]);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** Loads a spec's data (own files through the CLI's loader). */
export function gridData(spec: FairGridSpec): FairTestData {
  const config: FairTestConfig = spec.data
    ? {
        ...spec.config,
        data: {
          train: loadDataset(spec.data, 'train'),
          attacker: loadDataset(spec.data, 'attacker'),
          test: loadDataset(spec.data, 'test'),
        },
      }
    : spec.config;
  return fairTestData(config);
}

/** Every job of a grid, victims first, with the hashes of their inputs. */
export function fairJobs(spec: FairGridSpec, data: FairTestData): FairJob[] {
  const c = spec.config;
  const jobs: FairJob[] = [];
  const needsFim = c.arms.some((a) => defenceDescriptor(a.defence).needs.includes('class-directions'));
  const noneCells = c.arms.some((a) => a.defence === 'none') ? fairCells(c, data, 'none') : [];
  for (const depth of c.depths) {
    const victimInputs = {
      kind: 'victim',
      depth,
      hidden: c.hidden ?? 64,
      victimFineTuneEpochs: c.victimFineTuneEpochs ?? null,
      victimExamples: c.victimExamples ?? null,
      testExamples: c.testExamples ?? 1000,
      data: spec.data ?? 'mnist14',
      fisher: needsFim ? (c.fisher ?? 'default') : null,
    };
    const victimHash = hashOf(victimInputs);
    jobs.push({ kind: 'victim', key: `victim d${depth}`, hash: victimHash, spec, depth });
    for (const arm of c.arms) {
      for (const strength of arm.strengths) {
        const inputs = {
          kind: 'arm',
          victimHash,
          defence: arm.defence,
          strength,
          cells: fairCells(c, data, arm.defence),
          noneCells,
          seeds: c.seeds,
          budgets: c.budgets,
          attackers: c.attackers,
          transfer: c.transfer ?? null,
        };
        jobs.push({
          kind: 'arm',
          key: `d${depth} ${arm.defence} ${strength}`,
          hash: hashOf(inputs),
          spec,
          depth,
          defence: arm.defence,
          strength,
          victimHash,
          needs: victimHash,
        });
      }
    }
  }
  // victims first, then the arms largest first (longest-processing-time order: the last job to
  // finish is a short one, so no worker waits long on another at the end)
  const victims = jobs.filter((j) => j.kind === 'victim');
  const arms = jobs
    .filter((j) => j.kind === 'arm')
    .map((j, i) => ({ j, i, w: armWeight(c, data, j) }))
    .sort((a, b) => b.w - a.w || a.i - b.i)
    .map((x) => x.j);
  return [...victims, ...arms];
}

/**
 * A rough cost of an arm job for ordering only (results do not depend on it):
 * per cell, queries / 1,000 for a cheap attacker and 20 × that for a costly one
 * (tuned fits, shadows), times the depth.
 */
function armWeight(c: FairTestConfig, data: FairTestData, job: FairJob): number {
  if (job.kind !== 'arm') return 0;
  const cells = fairCells(c, data, job.defence);
  return (
    job.depth * cells.reduce((s, cell) => s + (isCostlyAttacker(cell.attacker) ? 20 : 1) * (cell.budget / 1000), 0)
  );
}

/** What a worker keeps between jobs: loaded data per spec, decoded victims per hash. */
export interface JobCache {
  data?: { key: string; value: FairTestData };
  victims: Map<string, FairVictim>;
}

export function victimFromPayload(p: VictimPayload): FairVictim {
  return {
    depth: p.depth,
    widths: p.widths,
    net: parseModel(p.model).net,
    directions: decode(p.directions) as FairVictim['directions'],
    testAccuracy: p.testAccuracy,
  };
}

/**
 * Runs one job. An arm job needs its victim's payload (`victim`), which the
 * scheduler passes from the store. Deterministic: the same inputs give the same result.
 */
export function runJob(
  be: Backend,
  job: FairJob,
  cache: JobCache,
  victim?: VictimPayload,
): VictimPayload | FairArmResult {
  const specKey = JSON.stringify(job.spec);
  if (cache.data?.key !== specKey) cache.data = { key: specKey, value: gridData(job.spec) };
  const data = cache.data.value;
  const config = job.spec.config as FairTestConfig;
  if (job.kind === 'victim') {
    const v = fairVictim(be, config, data, job.depth);
    return {
      depth: v.depth,
      widths: v.widths,
      testAccuracy: v.testAccuracy,
      model: serializeModel(v.net, {}),
      directions: encode(v.directions ?? null),
    };
  }
  let v = cache.victims.get(job.victimHash);
  if (!v) {
    if (!victim) throw new Error(`job ${job.key} needs its victim (${job.victimHash})`);
    v = victimFromPayload(victim);
    cache.victims.set(job.victimHash, v);
  }
  return runFairArm(be, config, data, v, job.defence, job.strength, { skipSharedLabels: true });
}
