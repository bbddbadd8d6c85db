/**
 * Model files on disk (Node only): written to a temporary file renamed into
 * place, so a file is never half-written.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeepRbm } from './deep-rbm.js';
import { parseModel, serializeModel, type ArrayEncoding, type ModelFile } from './model-file.js';
import { readRegularFileText } from './safe-read.js';

/** The largest model file read by default: 64 MiB (a [784, 1000, 1000, 10] net in base64 is about 20 MB). */
export const MODEL_FILE_LIMIT_BYTES = 64 * 2 ** 20;

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

/**
 * Reads and validates a model file: a regular file (directories, FIFOs, devices
 * refused before a byte is read) of at most `maxBytes` (MODEL_FILE_LIMIT_BYTES).
 * @throws ModelFileError for what the file holds, FileRefusedError for the file itself
 */
export function loadModel(path: string, options: { maxBytes?: number } = {}): ModelFile {
  const text = readRegularFileText(
    path,
    options.maxBytes ?? MODEL_FILE_LIMIT_BYTES,
    'model file',
    'raise it with --max-model-bytes',
  );
  return parseModel(text);
}
