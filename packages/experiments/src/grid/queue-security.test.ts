import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { ownershipGrid } from '../ownership-experiment.js';
import { detectionJobs } from './detection-jobs.js';
import { ownershipJobs } from './ownership-jobs.js';
import { redisConnection } from './queue.js';
import {
  checkJob,
  checkResult,
  JobRefused,
  publicReason,
  queueSecret,
  redactUrl,
  sign,
  signedJobData,
  signedResult,
  verify,
} from './queue-security.js';

const secret = Buffer.from('a shared secret of enough bytes');
const other = Buffer.from('another secret, also long enough');
const hash = 'a'.repeat(32);

/** A well-formed victim job of the fair grid (shipped data). */
function victimJob(config: Record<string, unknown> = {}, data?: unknown) {
  return {
    kind: 'victim',
    key: 'victim d1',
    hash,
    depth: 1,
    spec: {
      config: {
        depths: [1],
        arms: [{ defence: 'fim', strengths: [0.2] }],
        attackers: ['softmax'],
        budgets: [300],
        seeds: [1, 2],
        ...config,
      },
      ...(data !== undefined ? { data } : {}),
    },
  };
}

describe('jobs on the queue are checked before they run', () => {
  it('a job signed with the secret runs; unsigned, mis-signed or changed jobs are refused', () => {
    const job = victimJob();
    expect(() => checkJob(signedJobData(secret, job, undefined), secret, undefined)).not.toThrow();
    expect(() => checkJob({ job }, secret, undefined)).toThrow(JobRefused);
    expect(() => checkJob(signedJobData(other, job, undefined), secret, undefined)).toThrow(
      /not signed with this worker/,
    );
    const tampered = signedJobData(secret, job, undefined) as { job: ReturnType<typeof victimJob> };
    tampered.job.spec.config.seeds = [1, 2, 3];
    expect(() => checkJob(tampered, secret, undefined)).toThrow(/not signed/);
  });
  it("the ownership and detection experiments' jobs pass the schema as built; out-of-bounds grids are refused", () => {
    const ownership = ownershipJobs(ownershipGrid({ budgets: [300, 1000], seeds: [1, 2] }));
    const detection = detectionJobs({
      length: 1000,
      benignStreams: 50,
      attackStreams: 20,
      calibrationStreams: 300,
      falseAlarmRate: 0.01,
      seed: 1,
    });
    for (const job of [...ownership, ...detection])
      expect(() => checkJob(signedJobData(secret, job, undefined), secret, undefined), job.key).not.toThrow();
    const greedy = { ...ownership[1]!, grid: { ...ownership[1]!.grid, rate: 0.05 } };
    expect(() => checkJob(signedJobData(secret, greedy, undefined), secret, undefined)).toThrow(/rate/);
    const long = { ...detection[0]!, grid: { ...detection[0]!.grid, length: 1e9 } };
    expect(() => checkJob(signedJobData(secret, long, undefined), secret, undefined)).toThrow(/length/);
  });
  it('sizes are bounded by the schema: seeds, budgets, depths, widths; unknown fields refused', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ seeds: Array.from({ length: 101 }, (_, i) => i) }, /seeds/],
      [{ seeds: [1e12] }, /seeds/],
      [{ budgets: [1e9] }, /budgets/],
      [{ depths: [40] }, /depths/],
      [{ hidden: 1e6 }, /hidden/],
      [{ surprise: true }, /additional properties/],
    ];
    for (const [config, where] of cases) {
      const data = signedJobData(secret, victimJob(config), undefined);
      expect(() => checkJob(data, secret, undefined), JSON.stringify(config).slice(0, 60)).toThrow(where);
    }
    const mapCell = {
      kind: 'map-cell',
      key: 'k',
      hash,
      net: 'random',
      width: 1e6,
      depth: 2,
      beta: 1,
      mc: { samples: 1, pool: 1, batches: 1, seed: 1 },
    };
    expect(() => checkJob(signedJobData(secret, mapCell, undefined), secret, undefined)).toThrow(/width/);
  });
  it('own data only from below --data-root, by real path; none without it', () => {
    const root = mkdtempSync(join(tmpdir(), 'rgdl-root-'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'd.csv'), '0,1\n1,0\n');
    const outside = mkdtempSync(join(tmpdir(), 'rgdl-outside-'));
    writeFileSync(join(outside, 'secret.csv'), 'PASSWORD,1\n');
    symlinkSync(join(outside, 'secret.csv'), join(root, 'data', 'link.csv'));
    const withFile = (path: string) =>
      signedJobData(
        secret,
        victimJob(
          {},
          { name: 'csv', size: 0, file: { format: 'csv', paths: [path], threshold: 0.5, fractions: [0.6, 0.2, 0.2] } },
        ),
        undefined,
      );
    expect(() => checkJob(withFile(join(root, 'data', 'd.csv')), secret, root)).not.toThrow();
    expect(() => checkJob(withFile(join(root, 'data', 'd.csv')), secret, undefined)).toThrow(/without --data-root/);
    expect(() => checkJob(withFile(join(outside, 'secret.csv')), secret, root)).toThrow(/outside --data-root/);
    expect(() => checkJob(withFile(join(root, 'data', 'link.csv')), secret, root)).toThrow(/outside --data-root/);
    expect(() => checkJob(withFile(`${root}/data/../../etc/shadow`), secret, root)).toThrow(
      /outside --data-root|does not exist/,
    );
  });
});

describe('results read back from Redis are checked', () => {
  it('signed by the worker, bound to the job: a changed or moved result is refused', () => {
    const result = { rows: [{ cloneAccuracy: 0.83, seconds: 1.2 }] };
    expect(checkResult('d1 fim 0.2', hash, signedResult(secret, hash, result), secret)).toEqual(result);
    const changed = signedResult(secret, hash, result) as { result: typeof result };
    changed.result.rows[0]!.cloneAccuracy = 0.99;
    expect(() => checkResult('d1 fim 0.2', hash, changed, secret)).toThrow(/not signed with the queue's secret/);
    expect(() => checkResult('k', 'b'.repeat(32), signedResult(secret, hash, result), secret)).toThrow(/not signed/);
    expect(() => checkResult('k', hash, result, secret)).toThrow(/not signed/);
  });
  it('values out of range are errors, not rows (an accuracy of 1.947 once printed as 194.7%)', () => {
    const bad = { rows: [{ cloneAccuracy: 1.947 }] };
    expect(() => checkResult('k', hash, signedResult(secret, hash, bad), secret)).toThrow(
      /cloneAccuracy = 1.947 .* outside \[0, 1\]/,
    );
    const nan = { costs: [{ honestAccuracy: Number.NaN }] };
    expect(() =>
      checkResult('k', hash, JSON.parse(JSON.stringify(signedResult(secret, hash, nan))), secret),
    ).not.toThrow();
    expect(() => checkResult('k', hash, signedResult(secret, hash, { x: Number.POSITIVE_INFINITY }), secret)).toThrow(
      /non-finite/,
    );
  });
});

describe('what leaves the worker and what is logged', () => {
  it('failure reasons: class and first line, no stack, no quoted file contents', () => {
    const e = new RangeError(
      '--data csv: /d/secret.csv line 2: label "PASSWORD" is not an integer\n    at readCsvData (/install/path/files.ts:1:1)',
    );
    const r = publicReason(e);
    expect(r).toBe('RangeError: --data csv: /d/secret.csv line 2: label "…" is not an integer');
    expect(r).not.toMatch(/PASSWORD|at readCsvData|install/);
  });
  it('passwords are redacted from URLs', () => {
    expect(redactUrl('redis://:s3cretpw@127.0.0.1:6399')).toBe('redis://:***@127.0.0.1:6399');
    expect(redactUrl('rediss://user:pw@host:6380/2')).toBe('rediss://***:***@host:6380/2');
    expect(() => redisConnection('http://:s3cretpw@h')).toThrow(
      /redis:\/\/ or rediss:\/\/ URL, got http:\/\/:\*\*\*@h/,
    );
  });
  it('rediss:// connects with TLS (server name checked); redis:// without', () => {
    expect(redisConnection('rediss://:pw@queue.example:6380/1')).toMatchObject({
      host: 'queue.example',
      port: 6380,
      db: 1,
      password: 'pw',
      tls: { servername: 'queue.example' },
    });
    expect(redisConnection('redis://127.0.0.1:6379').tls).toBeUndefined();
  });
});

describe('the shared secret', () => {
  const saved = process.env.RGDL_QUEUE_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.RGDL_QUEUE_SECRET;
    else process.env.RGDL_QUEUE_SECRET = saved;
  });
  it('comes from a regular file or RGDL_QUEUE_SECRET, at least 16 bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-secret-'));
    writeFileSync(join(dir, 's'), 'from a file, long enough\n');
    expect(queueSecret(join(dir, 's')).toString()).toBe('from a file, long enough');
    delete process.env.RGDL_QUEUE_SECRET;
    expect(() => queueSecret()).toThrow(UsageError);
    process.env.RGDL_QUEUE_SECRET = 'short';
    expect(() => queueSecret()).toThrow(/at least 16 bytes/);
    expect(() => queueSecret('/dev/zero')).toThrow(/--secret-file: cannot read \/dev\/zero: it is a character device/);
    expect(verify(secret, { a: 1 }, sign(secret, { a: 1 }))).toBe(true);
    expect(verify(secret, { a: 1 }, 'x')).toBe(false);
  });
});
