import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { collect } from '../cli.test-helpers.js';
import { plotProblems } from '@rgdl/vitest-config/svg-text';

describe('rgdl map --quick', () => {
  it('writes the map, its table and readable heatmaps; every exact cell obeys F̃ ≼ F_top and depth 1 retains everything', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rgdl-map-'));
    const c = collect();
    expect(await runCli(['map', '--quick', '--out', out, '--json'], c.io)).toBe(0);
    const { rows } = JSON.parse(c.out) as {
      rows: { depth: number; method: string; retention: number; maxExcess: number; lambdaTop: number }[];
    };
    expect(rows).toHaveLength(9); // width 10 × 3 β × depths 1–3
    for (const r of rows) {
      expect(r.method).toBe('exact');
      expect(r.maxExcess).toBeLessThanOrEqual(1e-10 * r.lambdaTop);
      expect(r.retention).toBeLessThanOrEqual(1 + 1e-12);
      if (r.depth === 1) expect(r.retention).toBeCloseTo(1, 10);
    }
    expect(readdirSync(out).filter((n) => n.endsWith('.svg'))).toHaveLength(4);
    expect(readFileSync(join(out, 'map.md'), 'utf8')).toMatch(/\| random \| 10 \| 0\.5 \| 1 \|/);
    expect(plotProblems(out)).toEqual([]);
    // cells are jobs: a rerun reads all 9 from the store and, in process, gives the same rows
    const again = collect();
    expect(await runCli(['map', '--quick', '--out', out, '--workers', '0', '--json'], again.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'map.json'), 'utf8')).jobsComputed).toBe(0);
    expect(JSON.parse(again.out).rows).toEqual(rows);
    const fresh = mkdtempSync(join(tmpdir(), 'rgdl-map-'));
    const inProcess = collect();
    expect(await runCli(['map', '--quick', '--out', fresh, '--workers', '0', '--json'], inProcess.io)).toBe(0);
    expect(JSON.parse(inProcess.out).rows).toEqual(rows);
  });
});
