import { spawnSync } from 'node:child_process';

/**
 * Runs a Python snippet that prints one JSON object, with the first interpreter
 * that imports the given modules. Never required: returns `{ unavailable }` when
 * no such interpreter exists (the product and its tests never need Python).
 */
/**
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on these machines to keep old
 * OpenBLAS builds safe; they also slow a current numpy, so the reference runs
 * without both (the BLAS kernel actually used is reported by threadpoolctl).
 */
const UNSET_FOR_REFERENCE = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

export function runPythonReference(
  script: string,
  modules: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): { result: unknown; python: string } | { unavailable: string } {
  const candidates = ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const run = spawnSync(python, ['-c', script], {
      encoding: 'utf8',
      env: Object.fromEntries(
        Object.entries({ ...process.env, ...env }).filter(([k]) => !UNSET_FOR_REFERENCE.includes(k)),
      ) as NodeJS.ProcessEnv,
      timeout: timeoutMs,
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) return { unavailable: `${python} failed: ${run.stderr.trim().split('\n').pop() ?? ''}` };
    return { result: JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null'), python };
  }
  return {
    unavailable: `no python3 with ${modules.join(' and ')} found (apt-get install python3-numpy python3-sklearn)`,
  };
}
