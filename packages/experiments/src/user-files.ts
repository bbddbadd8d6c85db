/**
 * Reading a user's input files (keys, secrets, evidence): kept apart from
 * output-files.ts, which imports nothing from the workspace (its signal test
 * runs it alone).
 */
import { FileRefusedError, readRegularFileText } from '@rgdl/rbm';
import { UsageError } from './errors.js';

/**
 * A user's input file as text: a regular file of at most `maxBytes`; a missing,
 * irregular or oversized file is a one-line UsageError (its message after
 * `prefix`), never its contents.
 */
export function readUserText(path: string, maxBytes: number, what: string, prefix = ''): string {
  try {
    return readRegularFileText(path, maxBytes, what);
  } catch (error) {
    if (error instanceof FileRefusedError) throw new UsageError(`${prefix}${error.message}`);
    throw error;
  }
}
