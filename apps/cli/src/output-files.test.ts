import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureOutDir, writeOutputs } from './output-files.js';
import { UsageError } from './usage-error.js';

describe('output files', () => {
  it('writes every file and leaves no temporary files', () => {
    const dir = ensureOutDir(join(mkdtempSync(join(tmpdir(), 'rgdl-out-')), 'a', 'b'))!;
    writeOutputs([
      { path: join(dir, 'x.json'), text: '{}\n' },
      { path: join(dir, 'y.svg'), text: '<svg/>\n' },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['x.json', 'y.svg']);
    expect(readFileSync(join(dir, 'y.svg'), 'utf8')).toBe('<svg/>\n');
  });
  it('an output directory that cannot be created is a UsageError; no --out is undefined', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rgdl-out-')), 'plain-file');
    writeFileSync(file, '');
    expect(() => ensureOutDir(join(file, 'sub'))).toThrow(UsageError);
    expect(ensureOutDir(undefined)).toBeUndefined();
  });
});
