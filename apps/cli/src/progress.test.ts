import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

describe('Progress', () => {
  it('in logs: one line per 10% step; update(done, total) moves to done/total', () => {
    const lines: string[] = [];
    const p = new Progress(1, { enabled: true, tty: false, write: (t) => void lines.push(t) });
    p.update(1, 4, 'a'); // 25%
    p.update(2, 4, 'b'); // 50%
    p.update(2, 4, 'b'); // no step: nothing new
    p.update(4, 4, 'c'); // 100%
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['25%', '50%', '100%']);
    expect(lines[1]).toContain('b');
  });
  it('is silent when disabled', () => {
    const lines: string[] = [];
    const p = new Progress(10, { enabled: false, tty: false, write: (t) => void lines.push(t) });
    p.tick(10, 'x');
    expect(lines).toEqual([]);
  });
});
