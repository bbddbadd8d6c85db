#!/usr/bin/env node
// The `rgdl` command: a launcher that exists before the build (so installing the
// workspace links it without a warning) and runs the built CLI.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write(
      "rgdl: the CLI is not built yet; run 'pnpm build' (or 'pnpm --filter @rgdl/cli rgdl …' from source)\n",
    );
    process.exit(1);
  }
  throw error;
}
