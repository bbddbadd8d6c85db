/**
 * The result store of a grid: JSON Lines in the --out directory, one finished
 * job per line, `{"hash", "key", "result"}`, keyed by the hash of the job's
 * inputs. Each line goes out in one append write and ends with a newline, so a
 * crash leaves at most a torn last line; opening the store detects it (no final
 * newline, or a last line that is not JSON), cuts it off and reports it, and
 * that job is run again. Without a path the store lives in memory only (one
 * process's run, as the bench's).
 */
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';

export interface StoredResult<T = unknown> {
  readonly hash: string;
  readonly key: string;
  readonly result: T;
}

export class ResultStore {
  readonly results = new Map<string, StoredResult>();
  /** Bytes of a torn last line cut off on opening (0 when the file was whole). */
  readonly tornBytes: number;

  /** @throws Error when a line other than the last is not JSON (damage, not a crash). */
  constructor(readonly path?: string) {
    const bytes = path !== undefined && existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    let whole = 0; // bytes of the valid prefix
    let start = 0;
    let lineNo = 0;
    while (start < bytes.length) {
      const nl = bytes.indexOf(10, start);
      lineNo++;
      if (nl < 0) break; // no newline: torn
      const line = bytes.subarray(start, nl).toString('utf8');
      let entry: StoredResult | undefined;
      try {
        entry = JSON.parse(line) as StoredResult;
      } catch {
        if (nl + 1 < bytes.length) {
          throw new Error(`${path} line ${lineNo} is not JSON: the store is damaged (remove it to start over)`);
        }
        break; // a torn last line that happens to end in a newline
      }
      if (typeof entry.hash === 'string') this.results.set(entry.hash, entry);
      whole = nl + 1;
      start = nl + 1;
    }
    this.tornBytes = bytes.length - whole;
    if (this.tornBytes > 0) truncateSync(path!, whole);
  }

  has(hash: string): boolean {
    return this.results.has(hash);
  }

  get<T>(hash: string): T | undefined {
    return this.results.get(hash)?.result as T | undefined;
  }

  /** Appends one result as one line (one write) and keeps it. */
  put(hash: string, key: string, result: unknown): void {
    const entry: StoredResult = { hash, key, result };
    if (this.path !== undefined) appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.results.set(hash, entry);
  }
}
