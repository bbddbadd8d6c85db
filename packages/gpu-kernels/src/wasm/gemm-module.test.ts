import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM build script without type declarations
import { compileBoth, renderModule } from '../../scripts/build-wasm.mjs';

describe('generated gemm module', () => {
  it('is byte-identical (shared and unshared builds) to what asm/gemm.ts compiles to with the locked AssemblyScript', async () => {
    const [shared, local]: Buffer[] = await compileBoth();
    const committed = readFileSync(new URL('./gemm-module.ts', import.meta.url), 'utf8');
    expect(
      renderModule(shared, local) === committed,
      'src/wasm/gemm-module.ts is stale: run `pnpm --filter @rgdl/gpu-kernels build:wasm`',
    ).toBe(true);
  }, 60_000);
});
