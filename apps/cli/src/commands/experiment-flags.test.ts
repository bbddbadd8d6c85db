import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { collect } from '../cli.test-helpers.js';

const out = mkdtempSync(join(tmpdir(), 'rgdl-exp-flags-'));

describe('rgdl experiment: the in-process experiments', () => {
  it('refuses two experiments at once, own data and out-of-range flags, in one line each, before any work', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--quick', '--ownership'],
        /choose one of --quick, --transfer, --surrogate, --ownership and --detection \(got --quick and --ownership\)/,
      ],
      [['--surrogate', '--data', 'synthetic'], /--surrogate runs on the shipped MNIST/],
      [['--ownership', '--data', 'synthetic'], /--ownership runs on the shipped MNIST/],
      [['--detection', '--data', 'synthetic'], /--detection runs on the shipped MNIST/],
      [['--surrogate', '--budget', '5000'], /--budget 5000 is more than the attacker's 1,998 digits/],
      [['--surrogate', '--attacker', 'nobody'], /--attacker must be one of softmax/],
    ];
    for (const [flags, message] of cases) {
      const c = collect();
      expect(await runCli(['experiment', '--out', out, ...flags], c.io), flags.join(' ')).toBe(2);
      expect(c.err).toMatch(message);
      expect(c.err.trim().split('\n')).toHaveLength(1);
      expect(c.out).toBe('');
    }
  });
});
