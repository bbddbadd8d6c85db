import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

/**
 * mkdir -p without Node's recursive mkdir, which loops forever on some
 * pseudo-filesystems (mkdirSync('/proc/x', { recursive: true }) never returns):
 * each missing level is created on its own, so the first failure is reported.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}

/** Proves a directory writable by creating and removing a probe file. @throws UsageError */
function probeDirectory(dir: string, what: string): void {
  const probe = `${dir}/.rgdl-probe-${process.pid}`;
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw new UsageError(`${what} ${dir} is not writable (${errno(error)})`);
  }
}

/**
 * Creates --out DIR when given and proves it writable, before any long
 * computation, so a bad path fails fast. @throws UsageError
 */
export function ensureOutDir(value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError('--out needs a directory');
  try {
    makeDirectory(value);
  } catch (error) {
    throw new UsageError(`cannot create output directory ${value} (${errno(error)})`);
  }
  probeDirectory(value, 'output directory');
  // without trailing separators, so messages that join names to it read 'plots/flow.json', not 'plots//flow.json'
  return value.length > 1 ? value.replace(/[/\\]+$/, '') || value : value;
}

/**
 * Checks, before any computation, that a single output file can be written:
 * its directory exists or can be created, is writable, and the path is not a
 * directory. @throws UsageError
 */
export function checkOutputFile(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // absent: fine
  }
  if (isDirectory) throw new UsageError(`output file ${path} is a directory`);
  const dir = dirname(path);
  try {
    makeDirectory(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot create the directory of output file ${path} (${errno(error)})`);
  }
  probeDirectory(dir, 'the directory of output file');
}

/**
 * Defers SIGINT / SIGTERM / SIGHUP while `work` runs: a signal that arrives
 * during it is delivered (with its default action) right after, so a write is
 * never cut in half and no temporary file is left. `work` must be synchronous.
 */
function withSignalsDeferred<T>(work: () => T): T {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handlers = signals.map((sig) => {
    const h = () => {
      for (const [k, s] of signals.entries()) process.off(s, handlers[k]!);
      process.kill(process.pid, sig);
    };
    process.on(sig, h);
    return h;
  });
  try {
    return work();
  } finally {
    // a signal received during `work` is dispatched when the event loop next polls;
    // the handlers stay that long (an unref'd timer keeps no process alive)
    setTimeout(() => {
      for (const [k, s] of signals.entries()) process.off(s, handlers[k]!);
    }, 250).unref();
  }
}

/**
 * Writes text files all or none: every target is checked first (none may be a
 * directory), each file goes to a temporary name, and only when all are written
 * are they renamed into place; on any failure the temporary files are removed
 * and the error is one line; a signal arriving meanwhile takes effect after.
 * Call after every computation is done.
 * @throws UsageError
 */
export function writeOutputs(files: readonly { readonly path: string; readonly text: string }[]): void {
  for (const f of files) {
    let isDirectory = false;
    try {
      isDirectory = statSync(f.path).isDirectory();
    } catch {
      // absent: fine
    }
    if (isDirectory) throw new UsageError(`cannot write ${f.path}: a directory is in the way`);
  }
  withSignalsDeferred(() => {
    const written: string[] = [];
    try {
      for (const f of files) {
        written.push(`${f.path}.tmp`);
        writeFileSync(`${f.path}.tmp`, f.text);
      }
    } catch (error) {
      for (const tmp of written) rmSync(tmp, { force: true });
      throw new UsageError(
        `cannot write ${written[written.length - 1]!.replace(/\.tmp$/, '')} (${errno(error)}); nothing was written`,
      );
    }
    for (const f of files) renameSync(`${f.path}.tmp`, f.path);
  });
}
