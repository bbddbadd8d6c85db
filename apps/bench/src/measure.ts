import { Bench } from 'tinybench';

export interface Timing {
  /** Mean wall time of one call, ms. */
  readonly meanMs: number;
  /** Fastest call, ms. */
  readonly minMs: number;
  /** Half-width of the 95% confidence interval of the mean, ms. */
  readonly moeMs: number;
  readonly samples: number;
}

export interface MeasureOptions {
  /** Time budget, ms (default 1000). */
  readonly timeMs?: number;
  /** Minimum number of timed calls (default 5). */
  readonly iterations?: number;
  /** Untimed warm-up calls (default 1). */
  readonly warmup?: number;
}

/** Times `fn` with tinybench (warm-up, then at least `iterations` calls or `timeMs`). */
export async function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<Timing> {
  const bench = new Bench({
    name,
    time: options.timeMs ?? 1000,
    iterations: options.iterations ?? 5,
    warmup: true,
    warmupIterations: options.warmup ?? 1,
    warmupTime: 0,
    throws: true,
  });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name} ended in state ${result.state}`);
  const { latency } = result;
  return { meanMs: latency.mean, minMs: latency.min, moeMs: latency.moe, samples: latency.samplesCount ?? 0 };
}
