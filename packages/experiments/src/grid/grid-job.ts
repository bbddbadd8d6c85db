import type { Backend } from '@rgdl/gpu-kernels';
import { type FairJob, type JobCache, runJob, type VictimPayload } from './fair-jobs.js';
import { type MapJob, runMapJob } from './map-jobs.js';

/** Any job the grid runner schedules: a key, the hash of its inputs, and the job whose result it needs (if any). */
export type GridJob = FairJob | MapJob;

/** The hash of the job whose result `job` takes, if any. */
export function needsOf(job: GridJob): string | undefined {
  return 'needs' in job ? job.needs : undefined;
}

/** Runs any grid job: fair-test victims and arms, or map victims and cells. */
export function runGridJob(be: Backend, job: GridJob, cache: JobCache, dependency?: unknown): unknown {
  return job.kind === 'map-victim' || job.kind === 'map-cell'
    ? runMapJob(be, job, dependency)
    : runJob(be, job, cache, dependency as VictimPayload | undefined);
}
