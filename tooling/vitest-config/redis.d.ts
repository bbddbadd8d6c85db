export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}
/** A free TCP port on 127.0.0.1. */
export declare function freePort(): Promise<number>;
/** Why the queue tests cannot run here, or null when redis-server is installed. */
export declare function redisMissing(): string | null;
/** Debian's redis-server on 127.0.0.1 at a free port, no persistence. */
export declare function startRedis(): Promise<TestRedis>;
