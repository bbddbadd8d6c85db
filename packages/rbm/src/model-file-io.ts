/**
 * Model files on disk (Node only): written to a temporary file renamed into
 * place, so a file is never half-written.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeepRbm } from './deep-rbm.js';
import { parseModel, serializeModel, type ArrayEncoding, type ModelFile } from './model-file.js';

/** Writes a model file atomically (temporary file + rename). */
export function saveModel(
  path: string,
  net: DeepRbm,
  metadata: Record<string, unknown> = {},
  encoding: ArrayEncoding = 'base64-f64le',
): void {
  const text = serializeModel(net, metadata, encoding);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Reads and validates a model file. @throws ModelFileError, or the fs error if unreadable. */
export function loadModel(path: string): ModelFile {
  return parseModel(readFileSync(path, 'utf8'));
}
