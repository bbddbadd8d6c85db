/**
 * Who is asking. With a keys file (`rgdl serve --keys FILE`) every request
 * names its client by `Authorization: Bearer KEY`; a missing or unknown key is
 * 401. Without one, each remote address is its own anonymous client
 * ("addr:IP"). The keys file is JSON, a regular file of at most 1 MiB:
 *   {"clients": [{"name": "alice", "key": "…"}, {"name": "ops", "key": "…", "metrics": true}]}
 * names of 1–64 letters, digits, '.', '_' or '-'; keys of 16–256 printable
 * characters without spaces, every name and key distinct; "metrics": true lets
 * that client read GET /metrics. Only SHA-256 digests of the keys are held, and
 * no key or file content is ever echoed.
 */
import { createHash } from 'node:crypto';
import { readUserText, UsageError } from '@rgdl/experiments';

export interface ClientKeys {
  /** The client named by a bearer key, or undefined for a missing or unknown one. */
  clientOf(authorization: string | undefined): { name: string; metrics: boolean } | undefined;
  readonly size: number;
}

const KEYS_FILE_LIMIT = 1 << 20;
const MAX_CLIENTS = 10_000;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const KEY = /^[\x21-\x7e]{16,256}$/;

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** @throws RangeError naming the entry (from 1) and field that is wrong, never its value */
export function parseClientKeys(text: string): ClientKeys {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new RangeError('not JSON');
  }
  const list = (v as { clients?: unknown } | null)?.clients;
  if (!Array.isArray(list) || list.length === 0)
    throw new RangeError('expected {"clients": [{"name": …, "key": …}, …]}');
  if (list.length > MAX_CLIENTS) throw new RangeError(`more than ${MAX_CLIENTS} clients`);
  const byDigest = new Map<string, { name: string; metrics: boolean }>();
  const names = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const e = entry as { name?: unknown; key?: unknown; metrics?: unknown } | null;
    const where = `client ${i + 1}`;
    if (typeof e !== 'object' || e === null) throw new RangeError(`${where} is not an object`);
    if (typeof e.name !== 'string' || !NAME.test(e.name)) {
      throw new RangeError(`${where}: "name" must be 1–64 letters, digits, '.', '_' or '-'`);
    }
    if (typeof e.key !== 'string' || !KEY.test(e.key)) {
      throw new RangeError(`${where} (${e.name}): "key" must be 16–256 printable characters without spaces`);
    }
    if (e.metrics !== undefined && typeof e.metrics !== 'boolean') {
      throw new RangeError(`${where} (${e.name}): "metrics" must be true or false`);
    }
    if (names.has(e.name)) throw new RangeError(`${where}: the name ${e.name} is used twice`);
    const d = digest(e.key);
    if (byDigest.has(d)) throw new RangeError(`${where} (${e.name}): its key is another client's`);
    names.add(e.name);
    byDigest.set(d, { name: e.name, metrics: e.metrics === true });
  });
  return {
    size: byDigest.size,
    clientOf: (authorization) => {
      const m = /^Bearer ([\x21-\x7e]{1,256})$/.exec(authorization ?? '');
      return m === null ? undefined : byDigest.get(digest(m[1]!));
    },
  };
}

/** @throws UsageError for a missing, irregular, oversized or invalid keys file */
export function readClientKeys(path: string): ClientKeys {
  const text = readUserText(path, KEYS_FILE_LIMIT, 'keys file', '--keys: ');
  try {
    return parseClientKeys(text);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`--keys ${path}: ${error.message}`);
    throw error;
  }
}
