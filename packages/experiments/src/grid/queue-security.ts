/**
 * The Redis queue is a trust boundary: anyone who can write to Redis can add or
 * change jobs and results. So
 *  - jobs and results carry an HMAC-SHA256 under a secret shared by the
 *    coordinator and its workers (`--secret-file` or RGDL_QUEUE_SECRET); a worker
 *    runs only jobs signed with it, the coordinator takes only results signed
 *    with it;
 *  - a job is data checked against a JSON schema with bounded sizes (ajv), and
 *    own data only from below the worker's `--data-root` (real paths, regular files);
 *  - a result's numbers must be finite, and accuracies, agreements and fractions
 *    within [0, 1];
 *  - what goes back into Redis on failure is the error's class and first line,
 *    with quoted text (file contents) left out, never a stack;
 *  - URLs are logged with their password replaced.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { Ajv } from 'ajv';
import { DEFENCES } from '@rgdl/poison';
import { readUserText } from '../user-files.js';
import { UsageError } from '../errors.js';

/** The shortest secret accepted (bytes). */
export const MIN_SECRET_BYTES = 16;

/**
 * The shared secret: the file's contents (trimmed; a regular file of at most
 * 4 KiB) or RGDL_QUEUE_SECRET. @throws UsageError when neither gives 16 bytes or more
 */
export function queueSecret(secretFile?: string): Buffer {
  let text: string | undefined;
  if (secretFile !== undefined) {
    text = readUserText(secretFile, 4096, 'queue secret file', '--secret-file: ').trim();
  } else text = process.env.RGDL_QUEUE_SECRET?.trim();
  if (text === undefined || text === '')
    throw new UsageError(
      'a queue needs a secret shared by the coordinator and its workers: --secret-file FILE or RGDL_QUEUE_SECRET',
    );
  const secret = Buffer.from(text, 'utf8');
  if (secret.length < MIN_SECRET_BYTES)
    throw new UsageError(`the queue secret must be at least ${MIN_SECRET_BYTES} bytes, got ${secret.length}`);
  return secret;
}

/** HMAC-SHA256 (hex) of a JSON value under `secret` (JSON.stringify: the queue's own encoding). */
export function sign(secret: Buffer, value: unknown): string {
  return createHmac('sha256', secret).update(JSON.stringify(value)).digest('hex');
}

/** Whether `mac` is the signature of `value` (constant-time comparison). */
export function verify(secret: Buffer, value: unknown, mac: unknown): boolean {
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(sign(secret, value), 'hex'), Buffer.from(mac, 'hex'));
}

/** The URL with its password (and user) replaced by '***', for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.username !== '') u.username = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** What a failed job leaves in Redis: the class and the first line, quoted text removed, at most 300 characters. */
export function publicReason(error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const first = (e.message.split('\n')[0] ?? '').replace(/"[^"]*"/g, '"…"').replace(/'[^']*'/g, "'…'");
  return `${e.name}: ${first}`.slice(0, 300);
}

const int = (min: number, max: number) => ({ type: 'integer', minimum: min, maximum: max });
const num = (min: number, max: number) => ({ type: 'number', minimum: min, maximum: max });
const list = (items: object, max: number) => ({ type: 'array', items, maxItems: max });
const HASH = { type: 'string', pattern: '^[0-9a-f]{32}$' };
const KEY = { type: 'string', maxLength: 200 };
const DEFENCE = { enum: [...DEFENCES] };
const ATTACKER = { type: 'string', pattern: '^[a-z0-9-]{1,40}$' };
const PATH = { type: 'string', minLength: 1, maxLength: 4096 };

const DATA_SPEC = {
  type: 'object',
  required: ['name', 'size'],
  additionalProperties: false,
  properties: {
    name: { enum: ['mnist', 'bas', 'synthetic', 'csv', 'idx', 'npy'] },
    size: int(0, 28),
    file: {
      type: 'object',
      required: ['format', 'paths', 'threshold', 'fractions'],
      additionalProperties: false,
      properties: {
        format: { enum: ['csv', 'idx', 'npy'] },
        paths: { ...list(PATH, 2), minItems: 1 },
        threshold: { anyOf: [num(0, 1), { const: false }] },
        fractions: { type: 'array', items: num(0, 1), minItems: 3, maxItems: 3 },
        maxLineBytes: int(16, 2 ** 30),
      },
    },
  },
};

const FAIR_SPEC = {
  type: 'object',
  required: ['config'],
  additionalProperties: false,
  properties: {
    data: DATA_SPEC,
    config: {
      type: 'object',
      required: ['depths', 'arms', 'attackers', 'budgets', 'seeds'],
      additionalProperties: false,
      properties: {
        depths: { ...list(int(1, 6), 6), minItems: 1 },
        hidden: int(1, 1024),
        arms: list(
          {
            type: 'object',
            required: ['defence', 'strengths'],
            additionalProperties: false,
            properties: { defence: DEFENCE, strengths: list(num(0, 10), 16) },
          },
          32,
        ),
        attackers: list(ATTACKER, 16),
        budgets: list(int(1, 100_000), 16),
        costlyBudgets: list(int(1, 100_000), 16),
        attackerArms: { type: 'object', maxProperties: 16, additionalProperties: list(DEFENCE, 32) },
        seeds: { ...list(int(0, 1_000_000_000), 100), minItems: 1 },
        testExamples: int(1, 100_000),
        victimFineTuneEpochs: int(0, 1000),
        victimExamples: int(1, 1_000_000),
        fisher: {
          type: 'object',
          maxProperties: 8,
          additionalProperties: { anyOf: [num(-1e9, 1e9), { type: 'string', maxLength: 40 }, { type: 'boolean' }] },
        },
        transfer: {
          type: 'object',
          required: ['inputs', 'epsilon'],
          additionalProperties: false,
          properties: { inputs: int(1, 10_000), epsilon: num(0, 100) },
        },
      },
    },
  },
};

/** A setup job's schema: its kind, key, hash and grid, nothing else. */
const setupJob = (kind: string, grid: object) => ({
  type: 'object',
  required: ['kind', 'key', 'hash', 'grid'],
  additionalProperties: false,
  properties: { kind: { const: kind }, key: KEY, hash: HASH, grid },
});

const MC = {
  type: 'object',
  required: ['samples', 'pool', 'batches', 'seed'],
  additionalProperties: false,
  properties: {
    method: { enum: ['gibbs', 'monte-carlo'] },
    samples: int(1, 1_000_000),
    pool: int(1, 10_000_000),
    batches: int(1, 1000),
    sweeps: int(1, 1000),
    seed: int(0, 1_000_000_000),
  },
};

const OWNERSHIP_GRID = {
  type: 'object',
  required: [
    'attackers',
    'independent',
    'references',
    'referenceBudget',
    'budgets',
    'seeds',
    'probes',
    'rate',
    'fingerprint',
    'features',
    'keys',
    'nullKeys',
  ],
  additionalProperties: false,
  properties: {
    attackers: list(ATTACKER, 16),
    independent: list(ATTACKER, 16),
    references: list(ATTACKER, 8),
    referenceBudget: int(1, 100_000),
    budgets: list(int(1, 100_000), 16),
    seeds: list(int(0, 1_000_000_000), 100),
    probes: int(1, 10_000),
    rate: num(0, 0.005),
    fingerprint: num(0, 0.5),
    features: int(0, 256),
    keys: int(0, 100),
    nullKeys: int(0, 100_000),
  },
};

const DETECTION_GRID = {
  type: 'object',
  required: ['length', 'benignStreams', 'attackStreams', 'calibrationStreams', 'falseAlarmRate', 'seed'],
  additionalProperties: false,
  properties: {
    length: int(1, 100_000),
    benignStreams: int(1, 10_000),
    attackStreams: int(1, 10_000),
    calibrationStreams: int(1, 100_000),
    falseAlarmRate: num(0, 1),
    seed: int(0, 1_000_000_000),
  },
};

const STREAM_KIND = { type: 'string', pattern: '^[a-z0-9-]{1,20}$' };

const JOB_SCHEMA = {
  type: 'object',
  required: ['job', 'mac'],
  additionalProperties: false,
  properties: {
    mac: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    dependency: {},
    job: {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      required: ['kind'],
      oneOf: [
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'spec', 'depth'],
          additionalProperties: false,
          properties: { kind: { const: 'victim' }, key: KEY, hash: HASH, spec: FAIR_SPEC, depth: int(1, 6) },
        },
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'spec', 'depth', 'defence', 'strength', 'victimHash', 'needs'],
          additionalProperties: false,
          properties: {
            kind: { const: 'arm' },
            key: KEY,
            hash: HASH,
            spec: FAIR_SPEC,
            depth: int(1, 6),
            defence: DEFENCE,
            strength: num(0, 10),
            victimHash: HASH,
            needs: HASH,
          },
        },
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'depth'],
          additionalProperties: false,
          properties: {
            kind: { const: 'map-victim' },
            key: KEY,
            hash: HASH,
            depth: int(1, 6),
            training: {
              type: 'object',
              additionalProperties: false,
              properties: { trainExamples: int(1, 100_000), fineTuneEpochs: int(0, 1000) },
            },
          },
        },
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'net', 'width', 'depth', 'beta', 'mc'],
          additionalProperties: false,
          properties: {
            kind: { const: 'map-cell' },
            key: KEY,
            hash: HASH,
            net: { enum: ['random', 'victim'] },
            width: int(1, 1024),
            depth: int(1, 8),
            beta: num(0, 100),
            mc: MC,
            needs: HASH,
          },
        },
        setupJob('ownership-setup', OWNERSHIP_GRID),
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'grid', 'budget', 'seed', 'needs'],
          additionalProperties: false,
          properties: {
            kind: { const: 'ownership-cell' },
            key: KEY,
            hash: HASH,
            grid: OWNERSHIP_GRID,
            budget: int(1, 100_000),
            seed: int(0, 1_000_000_000),
            needs: HASH,
          },
        },
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'grid', 'repeat', 'needs'],
          additionalProperties: false,
          properties: {
            kind: { const: 'ownership-key' },
            key: KEY,
            hash: HASH,
            grid: OWNERSHIP_GRID,
            repeat: int(1, 100),
            needs: HASH,
          },
        },
        setupJob('detection-setup', DETECTION_GRID),
        {
          type: 'object',
          required: ['kind', 'key', 'hash', 'grid', 'stream', 'needs'],
          additionalProperties: false,
          properties: {
            kind: { const: 'detection-kind' },
            key: KEY,
            hash: HASH,
            grid: DETECTION_GRID,
            stream: STREAM_KIND,
            needs: HASH,
          },
        },
      ],
    },
  },
};

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, discriminator: true });
const validateJob = ajv.compile(JOB_SCHEMA);

/** A job refused by a worker (its reason goes back into Redis, without the job's text). */
export class JobRefused extends Error {
  override readonly name = 'JobRefused';
}

/**
 * Checks a queued job before anything runs: signature, schema and bounds, and
 * own data only below `dataRoot` (real paths: no symlink leads out). @throws JobRefused
 */
export function checkJob(data: unknown, secret: Buffer, dataRoot: string | undefined): void {
  if (!validateJob(data)) {
    const e = validateJob.errors?.[0];
    throw new JobRefused(`the job does not fit its schema (${e?.instancePath || '/'} ${e?.message ?? ''})`);
  }
  const d = data as { job: { spec?: { data?: { file?: { paths: string[] } } } }; dependency?: unknown; mac: string };
  if (!verify(secret, { job: d.job, dependency: d.dependency ?? null }, d.mac))
    throw new JobRefused('the job is not signed with this worker’s secret');
  const paths = d.job.spec?.data?.file?.paths;
  if (paths !== undefined) {
    if (dataRoot === undefined)
      throw new JobRefused('the job reads own data files, and this worker was started without --data-root');
    const root = realpathSync(dataRoot);
    for (const p of paths) {
      let real: string;
      try {
        real = realpathSync(p);
      } catch {
        throw new JobRefused('a data file of the job does not exist on this worker');
      }
      if (!real.startsWith(root + sep)) throw new JobRefused('a data file of the job lies outside --data-root');
    }
  }
}

/** Keys whose numbers are fractions (accuracies, agreements, kept or changed labels). */
const FRACTION = /accuracy|agreement|labelkept|changed|ratio$/i;

/**
 * A result as read back from Redis: signed by a worker holding the secret, every
 * number finite, every fraction within [0, 1]. @throws Error naming the job and the problem
 */
export function checkResult(key: string, hash: string, stored: unknown, secret: Buffer): unknown {
  const s = stored as { result?: unknown; mac?: unknown } | null;
  if (s === null || typeof s !== 'object' || !('result' in s) || !verify(secret, { hash, result: s.result }, s.mac))
    throw new Error(`the result of job ${key} is not signed with the queue's secret; refusing it`);
  const walk = (v: unknown, name: string, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`the result of job ${key} has a non-finite number at ${path}`);
      if (FRACTION.test(name) && (v < 0 || v > 1))
        throw new Error(`the result of job ${key} has ${name} = ${v} at ${path}, outside [0, 1]`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, name, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, `${path}.${k}`);
  };
  walk(s.result, '', 'result');
  return s.result;
}

/** The data a coordinator puts on the queue for one job: the job, its dependency's result, the signature. */
export function signedJobData(secret: Buffer, job: unknown, dependency: unknown): Record<string, unknown> {
  return {
    job,
    ...(dependency !== undefined ? { dependency } : {}),
    mac: sign(secret, { job, dependency: dependency ?? null }),
  };
}

/** What a worker returns for a job: the result and its signature (bound to the job's hash). */
export function signedResult(secret: Buffer, hash: string, result: unknown): { result: unknown; mac: string } {
  return { result, mac: sign(secret, { hash, result }) };
}
