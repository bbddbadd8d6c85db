// Shared vitest configuration for every rgdl package.
// Workspace packages resolve through the "@rgdl/source" export condition, so tests
// run against src/ without a build step.
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export const sourceConditions = ['@rgdl/source', ...defaultServerConditions];

/**
 * @param {{ testTimeout?: number, include?: string[] }} [options]
 */
export function rgdlVitestConfig(options = {}) {
  return defineConfig({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions } },
    test: {
      include: options.include ?? ['src/**/*.test.ts'],
      testTimeout: options.testTimeout ?? 60_000,
      pool: 'forks',
      reporters: ['default'],
    },
  });
}
