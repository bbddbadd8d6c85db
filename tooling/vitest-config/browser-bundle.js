// Bundles a workspace package's browser entry with esbuild (platform=browser, the
// `browser` export condition) the way Vite and webpack would, to prove it imports
// no Node built-in. Used by each package's browser-entry test.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * @param {string} packageName e.g. '@rgdl/rbm'
 * @param {string} resolveDir a directory from which the package resolves
 * @returns {Promise<{ errors: string[], bytes: number, nodeImports: string[] }>}
 */
export async function bundleForBrowser(packageName, resolveDir) {
  try {
    const result = await esbuild.build({
      stdin: { contents: `export * from '${packageName}';`, resolveDir, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions: ['@rgdl/source', 'browser'],
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const text = result.outputFiles.map((f) => f.text).join('\n');
    // imports esbuild kept outside the bundle (with platform=browser a Node built-in
    // that is not marked external is already an error above)
    const nodeImports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.external || i.path.startsWith('node:')).map((i) => `${file} → ${i.path}`),
    );
    return { errors: [], bytes: text.length, nodeImports };
  } catch (error) {
    const errors = /** @type {{ errors?: { text: string, location?: { file: string } }[] }} */ (error).errors ?? [];
    return {
      errors: errors.map((e) => `${e.location?.file ?? '?'}: ${e.text}`),
      bytes: 0,
      nodeImports: [],
    };
  }
}

/**
 * The shared test: `packageName` (resolved from the test file's folder) bundles
 * for browsers with no error and no Node built-in left in the bundle.
 * @param {string} packageName
 * @param {string} testFileUrl import.meta.url of the calling test
 */
export function describeBrowserEntry(packageName, testFileUrl) {
  describe(`${packageName} in a browser bundle`, () => {
    it('bundles with esbuild for platform=browser, with no Node built-in imported', async () => {
      const r = await bundleForBrowser(packageName, dirname(fileURLToPath(testFileUrl)));
      expect(r.errors).toEqual([]);
      expect(r.nodeImports).toEqual([]);
      expect(r.bytes).toBeGreaterThan(1000);
    }, 60_000);
  });
}
