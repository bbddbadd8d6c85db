import { DETECTORS } from '@rgdl/poison';
import { describe, expect, it } from 'vitest';
import { detectionMarkdown, runDetectionExperiment, wilson } from './detection-experiment.js';

describe('wilson', () => {
  it('matches the textbook 95% intervals', () => {
    // 0 of 200: (0, 0.0188); 5 of 100: (0.0215, 0.1118)
    expect(wilson(0, 200).low).toBe(0);
    expect(wilson(0, 200).high).toBeCloseTo(0.01884, 4);
    expect(wilson(5, 100).low).toBeCloseTo(0.02154, 4);
    expect(wilson(5, 100).high).toBeCloseTo(0.11175, 4);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('runDetectionExperiment (small)', () => {
  it('runs every stream kind, calibrates, flags synthetic streams more often than natural ones, and traces ROCs', async () => {
    {
      const r = await runDetectionExperiment({
        length: 200,
        benignStreams: 3,
        attackStreams: 3,
        calibrationStreams: 30,
        falseAlarmRate: 0.03,
      });
      expect(r.summary.map((s) => s.kind)).toEqual([
        'random',
        'class-order',
        'skewed',
        'repeated',
        'natural',
        'knockoff',
        'synthetic',
        'ood',
        'smoothing',
        'slow-low',
        'split-4',
      ]);
      expect(r.rows).toHaveLength(4 * 3 + 7 * 3);
      expect(r.calibration).toMatchObject({ streams: 30, length: 200, falseAlarmRate: 0.03 });
      const kind = (k: string) => r.summary.find((s) => s.kind === k)!;
      expect(kind('synthetic').alarmed).toBe(3);
      expect(kind('synthetic').alarmed).toBeGreaterThan(kind('natural').alarmed);
      // a knockoff stream (surrogate data) raises an alarm; benign streams raise none here
      expect(kind('knockoff').alarmed).toBeGreaterThanOrEqual(2);
      expect(r.benignFalseAlarms.alarmed).toBeLessThanOrEqual(1);
      // PRADA separates synthetic walks from users perfectly; each ROC runs from (0, 0) to (1, 1)
      expect(r.roc.prada.aucByKind.synthetic).toBe(1);
      for (const d of DETECTORS) {
        expect(r.roc[d].points[0]).toEqual([0, 0]);
        expect(r.roc[d].points.at(-1)).toEqual([1, 1]);
      }
      for (const row of r.rows.filter((x) => !x.benign)) {
        // natural digits and surrogate data make useful clones (synthetic walks do not)
        if (row.kind === 'natural' || row.kind === 'knockoff') expect(row.cloneAtEnd).toBeGreaterThan(0.5);
        else expect(row.cloneAtEnd).toBeGreaterThan(0);
        if (row.alarmAt.any !== null) expect(row.alarmAt.any).toBeLessThanOrEqual(200);
      }
      expect(detectionMarkdown(r)).toMatch(/Benign streams with any alarm: \d+ of 12/);
    }
  }, 240_000);
});
