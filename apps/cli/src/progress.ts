/**
 * Progress on stderr: a redrawn bar with ETA on a terminal, one line per
 * milestone otherwise (logs stay readable). Silent when `enabled` is false.
 */
export class Progress {
  readonly #total: number;
  readonly #start = performance.now();
  readonly #tty: boolean;
  readonly #write: (text: string) => void;
  #done = 0;
  #lastLine = '';

  constructor(total: number, options: { enabled: boolean; write?: (text: string) => void; tty?: boolean }) {
    this.#total = Math.max(1, total);
    this.#write = options.enabled ? (options.write ?? ((t) => process.stderr.write(t))) : () => {};
    this.#tty = options.tty ?? process.stderr.isTTY === true;
  }

  /** Advances by `units` and redraws with `label`. */
  tick(units: number, label: string): void {
    const before = this.#done / this.#total;
    this.#done = Math.min(this.#total, this.#done + units);
    const frac = this.#done / this.#total;
    const elapsed = (performance.now() - this.#start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    if (!this.#tty) {
      // logs: one line per 10% step
      if (Math.floor(frac * 10) > Math.floor(before * 10)) {
        this.#write(
          `${(100 * frac).toFixed(0)}%  ${label}  ${elapsed.toFixed(0)}s elapsed, ETA ${Number.isFinite(eta) ? eta.toFixed(0) : '?'}s\n`,
        );
      }
      return;
    }
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `[${bar}] ${(100 * frac).toFixed(0).padStart(3)}%  ${label}  ${elapsed.toFixed(0)}s elapsed, ETA ${Number.isFinite(eta) ? eta.toFixed(0) : '?'}s`;
    this.#write(`\r${line.padEnd(this.#lastLine.length)}`);
    this.#lastLine = line;
  }

  /** Moves to `done` of `total` steps of the way (for runners that report counts). */
  update(done: number, total: number, label: string): void {
    this.tick((done / Math.max(1, total)) * this.#total - this.#done, label);
  }

  /** A line that stays (milestones); on a terminal it is printed above the bar. */
  note(text: string): void {
    if (this.#tty && this.#lastLine) this.#write(`\r${' '.repeat(this.#lastLine.length)}\r`);
    this.#write(`${text}\n`);
    this.#lastLine = '';
  }

  finish(): void {
    if (this.#tty && this.#lastLine) this.#write('\n');
    this.#lastLine = '';
  }
}
