import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The playground builds straight from the workspace packages' TypeScript sources
 * (the `@rgdl/source` condition) under the `browser` condition, so each package's
 * browser entry (no Node built-ins) is what the page runs.
 */
const isolation = {
  // cross-origin isolation: SharedArrayBuffer is available, so the wasm GEMM uses its shared-memory build
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  resolve: { conditions: ['@rgdl/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
