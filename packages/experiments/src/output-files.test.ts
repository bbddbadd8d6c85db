import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkOutputFile, ensureOutDir, writeOutputs } from './output-files.js';
import { UsageError } from './errors.js';

describe('output files', () => {
  it('writes every file and leaves no temporary files', () => {
    const dir = ensureOutDir(join(mkdtempSync(join(tmpdir(), 'rgdl-out-')), 'a', 'b'))!;
    // trailing separators dropped: messages join 'dir/name', never 'dir//name'
    expect(ensureOutDir(`${dir}//`)).toBe(dir);
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
  it('a directory in the way fails before anything is written; a failed write leaves no temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-out-'));
    mkdirSync(join(dir, 'b.svg'));
    expect(() =>
      writeOutputs([
        { path: join(dir, 'a.json'), text: '{}' },
        { path: join(dir, 'b.svg'), text: '<svg/>' },
      ]),
    ).toThrow(/directory is in the way/);
    expect(readdirSync(dir)).toEqual(['b.svg']);
    // a write that fails midway (the second file's directory is missing)
    expect(() =>
      writeOutputs([
        { path: join(dir, 'a.json'), text: '{}' },
        { path: join(dir, 'missing', 'c.svg'), text: '<svg/>' },
      ]),
    ).toThrow(/nothing was written/);
    expect(readdirSync(dir)).toEqual(['b.svg']);
  });
  it('checkOutputFile creates a missing directory; a file in the way, a directory as the file, or /proc fail fast', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-out-'));
    checkOutputFile(join(dir, 'new', 'm.json')); // a missing directory is created
    expect(readdirSync(join(dir, 'new'))).toEqual([]);
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(() => checkOutputFile(join(file, 'm.json'))).toThrow(/directory of output file/);
    expect(() => checkOutputFile(dir)).toThrow(/is a directory/);
    expect(() => checkOutputFile('/proc/m.json')).toThrow(UsageError);
    expect(() => ensureOutDir('/proc/x')).toThrow(UsageError);
    checkOutputFile(join(dir, 'ok.json'));
    expect(readdirSync(dir).sort()).toEqual(['new', 'plain']); // the probe leaves nothing behind
  });
  it('a SIGTERM during the write takes effect after it: every file written, no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgdl-sig-'));
    const module = join(dirname(fileURLToPath(import.meta.url)), 'output-files.ts');
    // the child signals itself while the 10th of 40 files is being written (a getter on its text)
    const script = `import { writeOutputs } from ${JSON.stringify(module)};
      const files = Array.from({ length: 40 }, (_, i) => ({
        path: ${JSON.stringify(dir)} + '/f' + i,
        get text() { if (i === 10) process.kill(process.pid, 'SIGTERM'); return 'x'.repeat(1000); },
      }));
      writeOutputs(files);
      setTimeout(() => process.stdout.write('survived'), 2000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: dirname(fileURLToPath(import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const { signal, code } = await new Promise<{ code: number | null; signal: string | null }>((res) =>
      child.on('exit', (code, sig) => res({ code, signal: sig })),
    );
    expect(err).toBe('');
    expect(signal, `exit code ${code}, ${out}`).toBe('SIGTERM'); // the signal still ends the process
    expect(out).not.toContain('survived');
    const names = readdirSync(dir);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).toHaveLength(40);
  }, 30_000);
});
