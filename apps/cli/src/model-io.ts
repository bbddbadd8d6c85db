import {
  FileRefusedError,
  loadModel,
  MODEL_FILE_LIMIT_BYTES,
  ModelFileError,
  serializeModel,
  type DeepRbm,
  type ModelFile,
} from '@rgdl/rbm';
import { writeOutputs, UsageError } from '@rgdl/experiments';

let modelByteLimit = MODEL_FILE_LIMIT_BYTES;

/** The largest model file this process reads (--max-model-bytes; default MODEL_FILE_LIMIT_BYTES, 64 MiB). */
export function setModelByteLimit(bytes: number): void {
  modelByteLimit = bytes;
}

/** Reads a model file, turning every user-side problem into a one-line UsageError. */
export function readModel(path: string | boolean | undefined): ModelFile {
  if (typeof path !== 'string' || path === '') throw new UsageError('--model <file> is required');
  try {
    return loadModel(path, { maxBytes: modelByteLimit });
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new UsageError(/: no such file$/.test(error.message) ? `model file not found: ${path}` : error.message);
    if (error instanceof ModelFileError) throw new UsageError(`${path}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`model file not found: ${path}`);
    if (code === 'EISDIR' || code === 'EACCES') throw new UsageError(`cannot read model file ${path} (${code})`);
    throw error;
  }
}

/** Writes a model file through the one output writer (atomic, signal-safe); an unwritable path is a UsageError. */
export function writeModel(path: string, net: DeepRbm, metadata: Record<string, unknown>): void {
  writeOutputs([{ path, text: serializeModel(net, metadata) }]);
}
