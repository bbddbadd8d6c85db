import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRgdl } from '../cli.test-helpers.js';
import { describe, expect, it } from 'vitest';
import { GridStopped, ResultStore, runGrid, timelessRows as rowsOf, tinyFairGrid as tinySpec } from '@rgdl/experiments';

const spec = tinySpec();

describe('the result store', () => {
  it('cuts a torn last line (no newline, or not JSON) and refuses damage elsewhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-store-'));
    const path = join(dir, 's.jsonl');
    const a = new ResultStore(path);
    a.put('h1', 'k1', { v: 1 });
    a.put('h2', 'k2', { v: 2 });
    appendFileSync(path, '{"hash":"h3","key":"k3","res');
    const b = new ResultStore(path);
    expect(b.tornBytes).toBe(Buffer.byteLength('{"hash":"h3","key":"k3","res'));
    expect([...b.results.keys()]).toEqual(['h1', 'h2']);
    expect(readFileSync(path, 'utf8').endsWith('"v":2}}\n')).toBe(true);
    b.put('h3', 'k3', { v: 3 });
    expect(new ResultStore(path).get('h3')).toEqual({ v: 3 });
    writeFileSync(path, '{"hash":"h1"}\nnot json\n{"hash":"h2"}\n');
    expect(() => new ResultStore(path)).toThrow(/line 2 is not JSON: the store is damaged/);
  });
});

describe('runGrid', () => {
  it('two worker threads give the in-process numbers; a stopped run resumes with only the missing jobs; a torn line reruns its job', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-grid-'));
    const inProcess = await runGrid(spec, { workers: 0, storePath: join(dir, 'a.jsonl') });
    expect(inProcess.jobs).toBe(5); // 1 victim + 4 arm settings
    expect(inProcess.computed).toBe(5);
    const pool = await runGrid(spec, { workers: 2, storePath: join(dir, 'b.jsonl') });
    expect(rowsOf(pool)).toEqual(rowsOf(inProcess));
    expect(pool.result.costs).toEqual(inProcess.result.costs);
    // labels-only rows of label-preserving arms are the 'none' arm's (computed once)
    const labels = pool.result.rows.filter((r) => r.attacker === 'softmax-labels');
    expect(new Set(labels.map((r) => `${r.seed}:${r.cloneAccuracy}`)).size).toBe(2);

    // cut short after 2 jobs, then resumed: only the 3 missing jobs are computed
    const c = join(dir, 'c.jsonl');
    await expect(runGrid(spec, { workers: 2, storePath: c, stopAfter: 2 })).rejects.toBeInstanceOf(GridStopped);
    expect(readFileSync(c, 'utf8').trim().split('\n')).toHaveLength(2);
    const resumed = await runGrid(spec, { workers: 2, storePath: c });
    expect(resumed.computed).toBe(3);
    expect(rowsOf(resumed)).toEqual(rowsOf(inProcess));

    // a torn last line: detected, cut, and that job recomputed
    const text = readFileSync(c, 'utf8');
    writeFileSync(c, text.slice(0, text.length - 40));
    const repaired = await runGrid(spec, { workers: 0, storePath: c });
    expect(repaired.tornBytes).toBeGreaterThan(0);
    expect(repaired.computed).toBe(1);
    expect(rowsOf(repaired)).toEqual(rowsOf(inProcess));

    // a changed grid (one more seed) recomputes the arm jobs, not the victim
    const more = await runGrid({ config: { ...spec.config, seeds: [1, 2, 3] } }, { workers: 0, storePath: c });
    expect(more.computed).toBe(4);
  });

  it('rgdl experiment stopped by SIGINT: the rerun computes only the missing jobs and gives the same numbers', {
    timeout: 300_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-sigint-'));
    const gridFile = join(dir, 'grid.json');
    writeFileSync(gridFile, JSON.stringify(spec.config));
    const cli = (out: string) =>
      spawnRgdl(['experiment', '--grid', gridFile, '--workers', '1', '--out', out, '--json']);
    const exit = (c: ReturnType<typeof cli>) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
    const out = join(dir, 'run');
    const store = join(out, 'fair.jobs.jsonl');
    const first = cli(out);
    // interrupt once two jobs (the victim and one arm) are in the store
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(store) && readFileSync(store, 'utf8').split('\n').length > 2) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    first.kill('SIGINT');
    await exit(first);
    const kept = readFileSync(store, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(5);
    const second = cli(out);
    expect(await exit(second)).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'fair.json'), 'utf8'));
    expect(saved.grid.jobsComputed).toBe(5 - kept);
    const reference = await runGrid(spec, { workers: 0, storePath: join(dir, 'ref.jsonl') });
    expect(saved.result.rows.map(({ seconds: _s, ...x }: { seconds: number }) => x)).toEqual(rowsOf(reference));
  });
});
