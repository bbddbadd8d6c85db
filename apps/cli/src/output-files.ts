import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** Creates --out DIR when given (before any long computation, so a bad path fails fast). @throws UsageError */
export function ensureOutDir(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError('--out needs a directory');
  try {
    mkdirSync(value, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot create output directory ${value} (${(error as NodeJS.ErrnoException).code})`);
  }
  return value;
}

/** Writes text files atomically (each via a temporary name), all or none: call after every computation is done. */
export function writeOutputs(files: readonly { readonly path: string; readonly text: string }[]): void {
  for (const f of files) writeFileSync(`${f.path}.tmp`, f.text);
  for (const f of files) renameSync(`${f.path}.tmp`, f.path);
}
