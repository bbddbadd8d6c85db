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
