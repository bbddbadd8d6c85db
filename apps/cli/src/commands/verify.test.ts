import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, matrix, type Backend } from '@rgdl/gpu-kernels';
import { checkWatermarkKey, fingerprintFeatures, serializeWatermarkKey } from '@rgdl/poison';
import { loadMnist, loadModel } from '@rgdl/rbm';
import { runCli } from '../cli.js';
import { collect } from '../cli.test-helpers.js';
import { buildServer } from '../server/app.js';
import { appendEvidence, readEvidence, readWatermarkKey } from '../watermark-io.js';

// the playground's victim: [196, 64, 10] on the shipped 14×14 MNIST (its test split gives the probes)
const owner = join(import.meta.dirname, '../../../web/fixtures/victim.json');
const dir = mkdtempSync(join(tmpdir(), 'rgdl-verify-'));
const keyFile = join(dir, 'key.json');
// the verification test's key is fixed: a random key (--new-key) makes a different trigger set each run,
// and some keys served too few triggers for the test's bounds (a CI run failed on one)
const fixedKeyFile = join(dir, 'fixed-key.json');
let be: Backend;

async function run(args: string[]) {
  const c = collect();
  const code = await runCli(args, c.io);
  return { code, out: c.out, err: c.err };
}

beforeAll(async () => {
  be = await createBackend({ prefer: 'cpu' });
  const r = await run(['verify', '--new-key', keyFile, '--owner', owner]);
  expect(r.code, r.err).toBe(0);
  writeFileSync(
    fixedKeyFile,
    serializeWatermarkKey(
      checkWatermarkKey({
        secret: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255),
        rate: 0.005,
        fingerprint: 0.1,
        features: fingerprintFeatures(be, loadMnist({ size: 14, split: 'train' }).x, 16),
      }),
    ),
  );
});
afterAll(() => be.dispose());

describe('rgdl verify', () => {
  it("--new-key writes a 32-byte key with the owner data's 16 whitened components and never prints the secret; a rate above 0.5% or no --owner is refused", async () => {
    const key = readWatermarkKey(keyFile);
    expect(key.secret.length).toBe(32);
    expect(key.rate).toBe(0.005);
    expect(key.fingerprint).toBe(0.1);
    expect(key.features!.basis.rows).toBe(16);
    expect(key.features!.basis.cols).toBe(196);
    const again = await run(['verify', '--new-key', join(dir, 'other.json'), '--owner', owner, '--rate', '0.003']);
    expect(again.out).not.toContain(Buffer.from(key.secret).toString('base64'));
    expect(again.out).toMatch(/linear on 16 principal components/);
    const bad = await run(['verify', '--new-key', join(dir, 'bad.json'), '--owner', owner, '--rate', '0.01']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--rate must be a number ≥ 0 and ≤ 0.005/);
    const noOwner = await run(['verify', '--new-key', join(dir, 'no-owner.json')]);
    expect(noOwner.code).toBe(2);
    expect(noOwner.err).toMatch(/--new-key needs --owner m.json/);
    const perClass = await run(['verify', '--new-key', join(dir, 'per-class.json'), '--features', '0']);
    expect(perClass.code, perClass.err).toBe(0);
    expect(readWatermarkKey(join(dir, 'per-class.json')).features).toBeUndefined();
  });

  it('a watermarked server is verified from 100 probes and its evidence; the same model unwatermarked is not', async () => {
    const { net, metadata } = loadModel(owner);
    const evidence = join(dir, 'evidence.jsonl');
    const server = buildServer({
      be,
      net,
      metadata,
      modelName: 'victim',
      defence: 'none',
      strength: 0,
      seed: 1,
      logger: false,
      watermark: {
        key: readWatermarkKey(fixedKeyFile),
        onTriggers: (x, labels) => appendEvidence(evidence, x, labels),
      },
    });
    const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      // an attacker's queries: 1,998 digits; about 0.5% of them come back with a keyed wrong label
      const queries = loadMnist({ size: 14, split: 'attacker' }).x;
      for (let r = 0; r < queries.rows; r += 256) {
        const n = Math.min(256, queries.rows - r);
        const rows = Array.from({ length: n }, (_, i) =>
          Array.from(queries.data.subarray((r + i) * 196, (r + i + 1) * 196)),
        );
        const res = await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: rows }),
        });
        expect(res.status).toBe(200);
      }
      const triggers = readEvidence(evidence, 196, 10);
      expect(triggers.labels.length).toBeGreaterThan(2);
      expect(triggers.labels.length).toBeLessThan(30);
      expect(statSync(evidence).mode & 0o777).toBe(0o600);
      const copy = await run([
        'verify',
        '--key',
        fixedKeyFile,
        '--owner',
        owner,
        '--url',
        url,
        '--evidence',
        evidence,
        '--json',
      ]);
      expect(copy.code, copy.err).toBe(0);
      const v = JSON.parse(copy.out);
      expect(v.ours).toBe(true);
      expect(v.log10p).toBeLessThan(-6);
      // the fingerprint alone proves it: the server's answers carry it exactly
      expect(v.fingerprint.kind).toBe('linear');
      expect(v.fingerprint.log10p).toBeLessThan(-6);
      expect(v.triggers.matched).toBe(triggers.labels.length);
      // a budget of 100 queries: every trigger (fewer than 50), then probes for the rest
      expect(v.queries).toBe(100);
      // the model itself, asked directly, never carried the watermark
      const clean = await run([
        'verify',
        '--key',
        fixedKeyFile,
        '--owner',
        owner,
        '--model',
        owner,
        '--evidence',
        evidence,
        '--json',
      ]);
      const c = JSON.parse(clean.out);
      expect(c.ours).toBe(false);
      expect(c.fingerprint.log10p).toBeGreaterThan(-3);
      expect(c.triggers.matched).toBe(0);
      expect(c.p).toBeGreaterThan(1e-3);
      // a reference measures the trigger null: the owner's own clean answers never give a keyed wrong label
      const measured = await run([
        'verify',
        '--key',
        fixedKeyFile,
        '--owner',
        owner,
        '--url',
        url,
        '--evidence',
        evidence,
        '--reference',
        owner,
        '--json',
      ]);
      expect(measured.code, measured.err).toBe(0);
      const m = JSON.parse(measured.out);
      expect(m.triggerNull.matches).toBe(0);
      expect(m.triggerNull.trials).toBeGreaterThan(100);
      expect(m.triggerNull.rate).toBeCloseTo(1 - 0.05 ** (1 / m.triggerNull.trials), 8);
      expect(m.triggers.null).toBe(m.triggerNull.rate);
      // a smaller null and one more test (Bonferroni over three): a stronger proof than the default 1/9
      expect(m.log10p).toBeLessThan(v.log10p);
      expect(m.ours).toBe(true);
    } finally {
      await server.app.close();
    }
  }, 60_000);

  it('says so when the evidence holds no trigger (a client served no keyed wrong label), in text and JSON', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const args = ['verify', '--key', fixedKeyFile, '--owner', owner, '--model', owner, '--evidence', empty];
    const text = await run(args);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/triggers: the evidence holds none: this client was served no keyed wrong label/);
    expect(text.out).toMatch(/not shown to be ours/);
    const json = await run([...args, '--json']);
    expect(json.code, json.err).toBe(0);
    const j = JSON.parse(json.out);
    expect(j.evidenceTriggers).toBe(0);
    expect(j.triggers).toBeNull();
    expect(j.ours).toBe(false);
    // without --evidence nothing was given
    const none = await run(['verify', '--key', fixedKeyFile, '--owner', owner, '--model', owner]);
    expect(none.out).toMatch(/triggers: none given \(--evidence\)/);
  }, 60_000);

  it('refuses a missing suspect, two suspects, a bad key file and malformed evidence, in one line each', async () => {
    const notKey = join(dir, 'not-a-key.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(notKey, '{"format": "something else"}');
    const bigFile = join(dir, 'big.json');
    writeFileSync(bigFile, ' '.repeat((8 << 20) + 1));
    const cases: [string[], RegExp][] = [
      [['verify', '--key', keyFile, '--owner', owner], /exactly one of --model FILE and --url URL/],
      [['verify', '--key', keyFile, '--owner', owner, '--model', owner, '--url', 'http://127.0.0.1:1'], /exactly one/],
      [
        ['verify', '--key', keyFile, '--owner', owner, '--model', owner, '--queries', '50', '--probes', '40'],
        /not both/,
      ],
      [['verify', '--key', bigFile, '--owner', owner, '--model', owner], /byte limit for a watermark key file/],
      [['verify', '--key', notKey, '--owner', owner, '--model', owner], /not an rgdl watermark key file/],
      [['verify', '--key', dir, '--owner', owner, '--model', owner], /not a regular file|directory/],
      [
        ['verify', '--key', keyFile, '--owner', owner, '--model', owner, '--reference', join(dir, 'absent.json')],
        /absent\.json/,
      ],
    ];
    const badEvidence = join(dir, 'bad.jsonl');
    appendEvidence(badEvidence, matrix(1, 196), [3]);
    writeFileSync(badEvidence, `${readFileSync(badEvidence, 'utf8')}{"input": [2], "label": 1}\n`);
    cases.push([
      ['verify', '--key', keyFile, '--owner', owner, '--model', owner, '--evidence', badEvidence],
      /line 2: "input" is not 196 numbers in \[0, 1\]/,
    ]);
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toContain(readWatermarkKey(keyFile).secret.toString());
    }
  });
});
