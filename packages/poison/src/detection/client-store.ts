/**
 * Where each client's detector state lives. `update` is a read–modify–write
 * of one client's record that a store makes atomic: the memory store because
 * it runs synchronously in one process, a shared store (Redis, in the CLI) by
 * optimistic transactions retried on conflict. Records read back from a
 * shared store cross a trust boundary and are validated (`parseClientRecord`).
 */
import {
  DEFAULT_DETECTION,
  DETECTORS,
  emptyRecord,
  MASS_Z2_CAP,
  type ClientRecord,
  type DetectionSettings,
} from './detectors.js';

export interface ClientStore {
  /** Applies `fold` to the client's record (a fresh one for a new client) and stores it; resolves with the result. */
  update(client: string, fold: (record: ClientRecord) => void): Promise<ClientRecord>;
  /** Up to `limit` clients and their records (for metrics). */
  entries(limit: number): Promise<{ client: string; record: ClientRecord }[]>;
  /**
   * The throttle of an alarmed client, atomic across the processes sharing the
   * store: 0 when a batch may be served now (and now is recorded as its last),
   * else the milliseconds until one may.
   */
  throttle(client: string, waitMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * One process's store: a map of at most `maxClients` records, the least
 * recently updated dropped first.
 */
export function memoryClientStore(classes: number, maxClients = 10_000): ClientStore {
  const records = new Map<string, ClientRecord>();
  const lastServed = new Map<string, number>();
  return {
    update: async (client, fold) => {
      const record = records.get(client) ?? emptyRecord(classes);
      records.delete(client);
      fold(record);
      records.set(client, record);
      while (records.size > maxClients) records.delete(records.keys().next().value!);
      return record;
    },
    entries: async (limit) => [...records].slice(-limit).map(([client, record]) => ({ client, record })),
    throttle: async (client, waitMs) => {
      const now = Date.now();
      const last = lastServed.get(client);
      if (last !== undefined && now - last < waitMs) return waitMs - (now - last);
      lastServed.delete(client);
      lastServed.set(client, now);
      while (lastServed.size > maxClients) lastServed.delete(lastServed.keys().next().value!);
      return 0;
    },
    close: async () => {
      records.clear();
      lastServed.clear();
    },
  };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumbers = (v: unknown, max: number): v is number[] => Array.isArray(v) && v.length <= max && v.every(isNumber);

/**
 * A record from a shared store, checked field by field against the classes and
 * the settings' bounds (kept inputs of `inputs` bytes).
 * @throws RangeError naming the first field that is wrong (never echoing it)
 */
export function parseClientRecord(
  text: string,
  classes: number,
  inputs: number,
  settings: DetectionSettings = DEFAULT_DETECTION,
): ClientRecord {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RangeError('the client record is not JSON');
  }
  const bad = (field: string): never => {
    throw new RangeError(`the client record's ${field} is malformed`);
  };
  if (typeof v !== 'object' || v === null || v.version !== 2) bad('version');
  if (!isNumber(v.queries) || v.queries < 0) bad('queries');
  const base64Length = 4 * Math.ceil(inputs / 3);
  if (
    !Array.isArray(v.kept) ||
    v.kept.length !== classes ||
    !v.kept.every((l) => Array.isArray(l) && l.every((s) => typeof s === 'string' && s.length === base64Length)) ||
    (v.kept as string[][]).reduce((s, l) => s + l.length, 0) > settings.maxStored
  ) {
    bad('kept');
  }
  if (!isNumbers(v.thresholds, classes) || (v.thresholds as number[]).length !== classes) bad('thresholds');
  if (
    !Array.isArray(v.keptStats) ||
    v.keptStats.length !== classes ||
    !v.keptStats.every((t) => isNumbers(t, 3) && (t as number[]).length === 3)
  ) {
    bad('keptStats');
  }
  if (!isNumbers(v.distances, settings.maxDistances)) bad('distances');
  if (!isNumbers(v.outliers, settings.window)) bad('outliers');
  if (!isNumbers(v.entropies, settings.window)) bad('entropies');
  if (!isNumbers(v.masses, settings.window) || (v.masses as number[]).some((m) => !(m >= 0 && m <= MASS_Z2_CAP))) {
    bad('masses');
  }
  if (
    !isNumbers(v.massKeys, settings.window) ||
    (v.massKeys as number[]).length !== (v.masses as number[]).length ||
    !(v.massKeys as number[]).every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 32)
  ) {
    bad('massKeys');
  }
  if (!isNumbers(v.labelCounts, classes) || (v.labelCounts as number[]).length !== classes) bad('labelCounts');
  const scores = v.scores as Record<string, unknown> | null;
  if (
    typeof scores !== 'object' ||
    scores === null ||
    !DETECTORS.every((d) => scores[d] === null || isNumber(scores[d]))
  ) {
    bad('scores');
  }
  if (!Array.isArray(v.alarms) || !v.alarms.every((a) => (DETECTORS as readonly unknown[]).includes(a))) bad('alarms');
  return v as unknown as ClientRecord;
}
