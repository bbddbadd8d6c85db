/**
 * Per-client detector records in Redis, shared by several `rgdl serve`
 * processes (`--client-store redis://…`; the same redis-server the grid queue
 * uses). Each update is optimistic: WATCH the client's key, GET, fold, and
 * MULTI/SET/EXEC, retried when another process wrote the key in between
 * (updates of one process run one at a time, as WATCH belongs to a
 * connection). A record read back crosses a trust boundary: one over
 * `MAX_RECORD_BYTES` or malformed (parseClientRecord) is dropped and the client
 * starts afresh, reported through `onMalformed` with the reason only. Keys
 * expire `ttlSeconds` after a client's last query. The throttle of an alarmed
 * client is one key per client set with NX and a expiry of the wait, so every
 * process sharing the store serves that client one batch per wait.
 */
import { Redis } from 'ioredis';
import {
  DEFAULT_DETECTION,
  emptyRecord,
  parseClientRecord,
  type ClientRecord,
  type ClientStore,
  type DetectionSettings,
} from '@rgdl/poison';
import { redisConnection } from '@rgdl/experiments';

export const MAX_RECORD_BYTES = 4 << 20;
const PREFIX = 'rgdl:client:';
const THROTTLE_PREFIX = 'rgdl:throttle:';
const MAX_CONFLICTS = 50;

export interface RedisStoreOptions {
  readonly url: string;
  readonly classes: number;
  /** n₀: kept inputs' bytes. */
  readonly inputs: number;
  readonly settings?: DetectionSettings;
  /** Seconds a client's record is kept after its last query (default 7 days). */
  readonly ttlSeconds?: number;
  readonly onMalformed?: (client: string, reason: string) => void;
}

/** Connects (5 s) and returns the store. @throws Error naming the host when Redis cannot be reached */
export async function redisClientStore(options: RedisStoreOptions): Promise<ClientStore> {
  const settings = options.settings ?? DEFAULT_DETECTION;
  const ttl = options.ttlSeconds ?? 7 * 24 * 3600;
  const redis = new Redis({
    ...redisConnection(options.url),
    maxRetriesPerRequest: 2,
    lazyConnect: true,
    connectTimeout: 5000,
  });
  redis.on('error', () => {}); // failures reach the caller through the commands
  await redis.connect();
  const read = (client: string, text: string | null): ClientRecord => {
    if (text === null) return emptyRecord(options.classes);
    try {
      if (text.length > MAX_RECORD_BYTES) throw new RangeError(`the client record is over ${MAX_RECORD_BYTES} bytes`);
      return parseClientRecord(text, options.classes, options.inputs, settings);
    } catch (error) {
      options.onMalformed?.(client, (error as Error).message);
      return emptyRecord(options.classes);
    }
  };
  // one update at a time on this connection (WATCH is per connection)
  let last: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const mine = last.then(work, work);
    last = mine.catch(() => undefined);
    return mine;
  };
  return {
    update: (client, fold) =>
      serial(async () => {
        const key = PREFIX + client;
        for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
          await redis.watch(key);
          const record = read(client, await redis.get(key));
          fold(record);
          const done = await redis.multi().set(key, JSON.stringify(record), 'EX', ttl).exec();
          if (done !== null) return record;
        }
        throw new Error(`the client record of ${client} changed ${MAX_CONFLICTS} times while being updated`);
      }),
    entries: (limit) =>
      serial(async () => {
        const out: { client: string; record: ClientRecord }[] = [];
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
          cursor = next;
          for (const key of keys) {
            if (out.length >= limit) break;
            const text = await redis.get(key);
            if (text !== null)
              out.push({ client: key.slice(PREFIX.length), record: read(key.slice(PREFIX.length), text) });
          }
        } while (cursor !== '0' && out.length < limit);
        return out;
      }),
    // SET … NX PX: the first process to ask in a window serves, the rest are told how long the window has left
    throttle: async (client, waitMs) => {
      const key = THROTTLE_PREFIX + client;
      for (let attempt = 0; attempt < 3; attempt++) {
        if ((await redis.set(key, '1', 'PX', Math.max(1, Math.round(waitMs)), 'NX')) === 'OK') return 0;
        const left = await redis.pttl(key);
        if (left > 0) return left;
        // expired (or had no expiry) between the two commands: try again
        if (left === -1) await redis.del(key);
      }
      return waitMs;
    },
    close: async () => {
      await last;
      redis.disconnect();
    },
  };
}
