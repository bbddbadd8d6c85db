import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { collect } from './cli.test-helpers.js';


describe('rgdl CLI', () => {
  it('prints help listing the commands', async () => {
    const c = collect();
    expect(await runCli(['--help'], c.io)).toBe(0);
    expect(c.out).toMatch(/Commands:[\s\S]*demo/);
  });
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
  it('experiment needs --out and rejects bad seeds with exit code 2', async () => {
    const a = collect();
    expect(await runCli(['experiment', '--quick'], a.io)).toBe(2);
    expect(a.err).toMatch(/--out <value> is required/);
    const b = collect();
    expect(await runCli(['experiment', '--out', '/tmp/rgdl-x', '--seeds', '0'], b.io)).toBe(2);
    expect(b.err).toMatch(/--seeds must be an integer ≥ 1/);
  });
  it('demo --json reports the backend, a correct product and throughputs', async () => {
    const c = collect();
    expect(await runCli(['demo', '--json', '--max-n', '128', '--backend', 'cpu', '--train-examples', '0'], c.io)).toBe(0);
    const r = JSON.parse(c.out);
    expect(r.backend.name).toBe('cpu');
    expect(r.checks.matmulMaxAbsErrorVsNaive).toBeLessThan(1e-12);
    expect(Math.abs(r.checks.bernoulliCovarianceTopEigenvalue - 0.25)).toBeLessThan(0.05);
    expect(r.throughput.map((t: { n: number; dtype: string }) => `${t.dtype}:${t.n}`)).toEqual(['f64:128', 'f32:128']);
    for (const t of r.throughput) expect(t.gflops).toBeGreaterThan(0);
  });
});
