/**
 * The 'fim' defence's per-class cache (classPoisonDirections) with its classes
 * spread over worker threads: one 'class-fisher' job per class c computes
 * F̃(e_c) from the model text with the serial code's options and stream
 * (classFisherOptions), so the cache is identical for any number of threads.
 * Thread-pool only (never queued: the model travels with the job).
 */
import type { Backend } from '@rgdl/gpu-kernels';
import type { FisherOptions, FisherResult } from '@rgdl/fisher';
import { classDirectionsFrom, classFisher, classPoisonDirections, type ClassDirections } from '@rgdl/poison';
import { parseModel, serializeModel, type DeepRbm } from '@rgdl/rbm';
import { hashOf } from './fair-jobs.js';
import { ThreadPool } from './thread-pool.js';

export interface ClassFisherJob {
  readonly kind: 'class-fisher';
  readonly key: string;
  readonly hash: string;
  readonly label: number;
  readonly seed: number;
  /** FisherOptions without the rng (the job draws from class c's own stream). */
  readonly fisher?: Partial<Omit<FisherOptions, 'rng'>>;
}

/** F̃(e_c) of one class, from the model text the job was sent with. */
export function runClassFisherJob(be: Backend, job: ClassFisherJob, model: unknown): FisherResult {
  if (typeof model !== 'string') throw new TypeError('a class-fisher job needs the model text');
  const { net } = parseModel(model);
  return classFisher(be, net, job.label, { seed: job.seed, ...(job.fisher ? { fisher: job.fisher } : {}) });
}

/**
 * classPoisonDirections on `threads` worker threads (one class per job); with
 * threads ≤ 1, in this thread. The result equals the serial one bit for bit.
 */
export async function classPoisonDirectionsOnThreads(
  be: Backend,
  net: DeepRbm,
  options: { seed: number; fisher?: Partial<Omit<FisherOptions, 'rng'>>; threads: number },
): Promise<ClassDirections> {
  const { seed, fisher, threads } = options;
  if (threads <= 1) return classPoisonDirections(be, net, { seed, ...(fisher ? { fisher } : {}) });
  const classes = net.layers[net.layers.length - 1]!.W.rows;
  const model = serializeModel(net);
  const pool = new ThreadPool(Math.min(threads, classes));
  try {
    const results = await Promise.all(
      Array.from({ length: classes }, (_, label) => {
        const inputs = { kind: 'class-fisher', label, seed, fisher: fisher ?? null };
        const job: ClassFisherJob = {
          kind: 'class-fisher',
          key: `class ${label}`,
          hash: hashOf(inputs),
          label,
          seed,
          ...(fisher ? { fisher } : {}),
        };
        return pool.run(job, model) as Promise<FisherResult>;
      }),
    );
    return classDirectionsFrom(be, results);
  } finally {
    await pool.close();
  }
}
