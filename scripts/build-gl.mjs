#!/usr/bin/env node
// Builds the optional headless-gl (`gl`) package that gpu.js's GL kernels use in
// Node. `pnpm install` does not build it (package.json: pnpm.ignoredBuiltDependencies),
// so a machine without the X11/GL headers installs quietly; run this where the
// headers exist (CI's GL step, `pnpm gl:build`). Prints one line; the compiler's
// output goes to a log file, named when the build fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'packages', 'gpu-kernels', 'package.json'));
let glDir;
try {
  glDir = dirname(createRequire(require.resolve('gpu.js')).resolve('gl/package.json'));
} catch {
  console.log('headless-gl: not installed (gpu.js lists it as optional); nothing to build');
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'install', '--silent'], { cwd: glDir, encoding: 'utf8', env: process.env });
const log = join(mkdtempSync(join(tmpdir(), 'rgdl-gl-')), 'build.log');
writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
if (r.status === 0) {
  console.log(`headless-gl: built in ${glDir}`);
} else {
  console.log(
    `headless-gl: not built (needs the X11/GL headers: apt-get install libxi-dev libglu1-mesa-dev libx11-dev libxext-dev pkg-config); compiler output in ${log}`,
  );
  process.exit(1);
}
