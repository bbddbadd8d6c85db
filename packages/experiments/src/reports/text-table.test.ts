import { describe, expect, it } from 'vitest';
import { runTime, table } from './text-table.js';

describe('runTime', () => {
  it('states the seconds, and how many jobs the run computed when some came from the store', () => {
    expect(runTime({ seconds: 492.6, jobs: 21, jobsComputed: 21 })).toBe('493 s');
    expect(runTime({ seconds: 0.4, jobs: 21, jobsComputed: 0 })).toBe(
      '0 s (0 of 21 jobs computed in this run; the rest were in the job store)',
    );
  });
});

describe('table', () => {
  it('pads every column to its widest cell under a rule', () => {
    expect(table(['a', 'bb'], [['ccc', 1]])).toBe('a    bb\n---  --\nccc  1\n');
  });
});
