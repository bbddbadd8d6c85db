import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './io.js';

/** A CliIo that collects what a command writes (tests only). */
export function collect(): { io: CliIo; readonly out: string; readonly err: string } {
  let out = '';
  let err = '';
  return {
    io: { out: (t) => void (out += t), err: (t) => void (err += t) },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

/** `rgdl <args>` as a child process run from source (tsx) in the CLI package, stdout and stderr piped (tests only). */
export function spawnRgdl(args: readonly string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const here = dirname(fileURLToPath(import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=@rgdl/source', join(here, 'main.ts'), ...args], {
    cwd: join(here, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}
