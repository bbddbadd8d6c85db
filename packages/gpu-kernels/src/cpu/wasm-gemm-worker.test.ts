import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('wasm GEMM worker start-up', () => {
  it('starts when the host process runs ES module eval code (workers inherit --input-type=module)', () => {
    const index = new URL('../index.ts', import.meta.url).href;
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@rgdl/source',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(index)}); const be = m.createCpuBackend({ threads: 2 }); await be.ready(); console.log(be.mode); be.dispose();`,
      ],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('wasm-simd×2');
  });
});
