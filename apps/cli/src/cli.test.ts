import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm, saveModel } from '@rgdl/rbm';
import { runCli } from './cli.js';
import { collect, spawnRgdl } from './cli.test-helpers.js';
import { plotProblems } from '@rgdl/vitest-config/svg-text';

describe('rgdl CLI', () => {
  it('prints help listing the commands', async () => {
    const c = collect();
    expect(await runCli(['--help'], c.io)).toBe(0);
    expect(c.out).toMatch(/Commands:[\s\S]*demo/);
  });
  it('--version prints the package version; with --json a user error is also a JSON object on stdout', async () => {
    const v = collect();
    expect(await runCli(['--version'], v.io)).toBe(0);
    expect(v.out).toMatch(/^rgdl \d+\.\d+\.\d+\n$/);
    const e = collect();
    expect(await runCli(['train', '--json', '--lr', '-1', '--out', '/tmp/never-written.json'], e.io)).toBe(2);
    expect(e.err.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(e.out) as { error: { code: string; message: string } };
    expect(parsed.error.code).toBe('usage');
    expect(parsed.error.message).toMatch(/--lr/);
  });
  it("run as pnpm's `rgdl` script, relative paths are the user's: from the directory pnpm was run in (INIT_CWD)", async () => {
    const where = mkdtempSync(join(tmpdir(), 'rgdl-init-cwd-'));
    const child = spawnRgdl(['verify', '--new-key', 'key.json', '--features', '0'], {
      npm_lifecycle_event: 'rgdl',
      INIT_CWD: where,
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    expect(code, err).toBe(0);
    expect(existsSync(join(where, 'key.json'))).toBe(true);
  }, 60_000);

  it('rejects unknown commands and flags with one line and exit code 2', async () => {
    const c = collect();
    expect(await runCli(['nope'], c.io)).toBe(2);
    expect(c.err).toMatch(/^rgdl: unknown command 'nope'.*\n$/);
    const d = collect();
    expect(await runCli(['demo', '--frobnicate'], d.io)).toBe(2);
    expect(d.err.trim().split('\n')).toHaveLength(1);
    const e = collect();
    expect(await runCli(['demo', '--max-n', 'big'], e.io)).toBe(2);
    expect(e.err).toMatch(/--max-n must be an integer/);
    expect(e.out).toBe('');
  });
  it('serve: missing model, bad port and a busy port are one-line user errors (exit 2)', async () => {
    const a = collect();
    expect(await runCli(['serve', '--model', '/nonexistent/m.json'], a.io)).toBe(2);
    expect(a.err).toMatch(/^rgdl: model file not found: \/nonexistent\/m\.json\n$/);
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-serve-err-'));
    const model = join(dir, 'm.json');
    saveModel(model, createDeepRbm([4, 3, 2], createRng(1)), {});
    const b = collect();
    expect(await runCli(['serve', '--model', model, '--port', '70000'], b.io)).toBe(2);
    expect(b.err).toMatch(/--port must be ≤ 65535/);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const c = collect();
    expect(await runCli(['serve', '--model', model, '--port', String(port), '--log-level', 'silent'], c.io)).toBe(2);
    expect(c.err).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    blocker.close();
    const h = collect();
    expect(await runCli(['serve', '--model', model, '--host', '999.1.1.1', '--log-level', 'silent'], h.io)).toBe(2);
    expect(h.err).toMatch(/^rgdl: --host 999\.1\.1\.1 is not an address this machine can listen on/);
    expect(h.err.trim().split('\n')).toHaveLength(1);
  });
  it('files that are not regular files, or too large, are one-line user errors at once (exit 2): no hang, no unbounded read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-files-'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const model = join(dir, 'm.json');
    saveModel(model, createDeepRbm([4, 3, 2], createRng(1)), {});
    const cases: [string[], RegExp][] = [
      [['inspect', '--model', '/dev/zero'], /\/dev\/zero: it is a character device, not a regular file/],
      [['inspect', '--model', fifo], /pipe: it is a FIFO \(named pipe\), not a regular file/],
      [['inspect', '--model', dir], /it is a directory, not a regular file/],
      [
        ['inspect', '--model', model, '--max-model-bytes', '100'],
        /more than the 100-byte limit for a model file \(raise it with --max-model-bytes\)/,
      ],
      [
        ['train', '--data', 'csv:/dev/zero', '--out', join(dir, 'x.json')],
        /--data csv: cannot read \/dev\/zero: it is a character device/,
      ],
      [
        ['train', '--data', `csv:${fifo}`, '--out', join(dir, 'x.json')],
        /--data csv: cannot read .*pipe: it is a FIFO/,
      ],
    ];
    for (const [args, message] of cases) {
      const c = collect();
      const t0 = performance.now();
      expect(await runCli(args, c.io), args.join(' ')).toBe(2);
      expect(performance.now() - t0, args.join(' ')).toBeLessThan(5000);
      expect(c.err, args.join(' ')).toMatch(message);
      expect(c.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const ok = collect();
    expect(await runCli(['inspect', '--model', model, '--max-model-bytes', '1000000'], ok.io)).toBe(0);
  });
  it('experiment needs --out and rejects bad seeds with exit code 2', async () => {
    const a = collect();
    expect(await runCli(['experiment', '--quick'], a.io)).toBe(2);
    expect(a.err).toMatch(/--out <value> is required/);
    const b = collect();
    expect(await runCli(['experiment', '--out', '/tmp/rgdl-x', '--seeds', '0'], b.io)).toBe(2);
    expect(b.err).toMatch(/--seeds must be an integer ≥ 2/);
    // where the jobs go: checked before anything runs
    const q = collect();
    expect(await runCli(['experiment', '--out', '/tmp/rgdl-x', '--queue', 'http://127.0.0.1:6379'], q.io)).toBe(2);
    expect(q.err).toMatch(/--queue must be a redis:\/\/ or rediss:\/\/ URL, got http:/);
    const w = collect();
    expect(await runCli(['map', '--out', '/tmp/rgdl-x', '--workers', 'many'], w.io)).toBe(2);
    expect(w.err).toMatch(/--workers must be an integer ≥ 0/);
  });
  it('demo --json: kernels check, a trained victim, its spectrum and FIM, three servers, a clone attack and a verdict', async () => {
    const c = collect();
    const demoOut = mkdtempSync(join(tmpdir(), 'rgdl-demo-'));
    const code = await runCli(
      [
        'demo',
        '--json',
        '--max-n',
        '128',
        '--backend',
        'cpu',
        '--train-examples',
        '600',
        '--seeds',
        '2',
        '--queries',
        '300',
        '--fisher-samples',
        '300',
        '--out',
        demoOut,
      ],
      c.io,
    );
    expect(c.err).toBe('');
    expect(code).toBe(0);
    expect(plotProblems(demoOut)).toEqual([]); // every plot: spec beside it, no text outside the picture
    const r = JSON.parse(c.out);
    expect(r.kernels.backend.name).toBe('cpu');
    expect(r.kernels.matmulMaxAbsErrorVsNaive).toBeLessThan(1e-12);
    expect(r.kernels.throughput.map((t: { n: number; dtype: string }) => `${t.dtype}:${t.n}`)).toEqual([
      'f64:128',
      'f32:128',
    ]);
    expect(r.victim.testAccuracy).toBeGreaterThan(0.5); // 10 classes; measured ≈ 0.7 with 600 digits
    expect(r.stability.shape).toEqual([196, 64]);
    expect(r.stability.singularValues).toHaveLength(64);
    expect(r.fisherTopEigenvalues).toHaveLength(10);
    for (const l of r.fisherTopEigenvalues) expect(l).toBeGreaterThan(0);
    expect(r.fisherTopEigenvalueErrors).toHaveLength(10);
    r.fisherTopEigenvalueErrors.forEach((e: number, c: number) => {
      expect(e).toBeGreaterThan(0);
      expect(e).toBeLessThan(r.fisherTopEigenvalues[c]);
    });
    expect(r.servers).toHaveLength(3);
    expect(r.attack.sources.map((s: { defence: string }) => s.defence)).toEqual(['none', 'fim', 'random-class']);
    for (const s of r.attack.sources) expect(s.honestLabelKept).toBe(1);
    expect(r.verdict).toMatch(/^FIM poison \(ε=0\.2, softmax attacker, 2 paired seeds\)/);
  }, 120_000);
});
