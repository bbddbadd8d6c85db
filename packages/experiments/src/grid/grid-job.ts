import type { Backend } from '@rgdl/gpu-kernels';
import { type FairJob, type JobCache, runJob, type VictimPayload } from './fair-jobs.js';
import { type MapJob, runMapJob } from './map-jobs.js';
import { type OwnershipJob, runOwnershipJob } from './ownership-jobs.js';
import { type DetectionJob, runDetectionJob } from './detection-jobs.js';
import { type ClassFisherJob, runClassFisherJob } from './class-fisher-jobs.js';

/** Any job the grid runner schedules: a key, the hash of its inputs, and the job whose result it needs (if any). */
export type GridJob = FairJob | MapJob | OwnershipJob | DetectionJob | ClassFisherJob;

/** The hash of the job whose result `job` takes, if any. */
export function needsOf(job: GridJob): string | undefined {
  return 'needs' in job ? job.needs : undefined;
}

/** Runs any grid job: fair-test victims and arms, map victims and cells, or the ownership setup and cells. */
export function runGridJob(be: Backend, job: GridJob, cache: JobCache, dependency?: unknown): unknown {
  if (job.kind === 'map-victim' || job.kind === 'map-cell') return runMapJob(be, job, dependency);
  if (job.kind === 'ownership-setup' || job.kind === 'ownership-cell' || job.kind === 'ownership-key') {
    return runOwnershipJob(be, job, dependency);
  }
  if (job.kind === 'detection-setup' || job.kind === 'detection-kind') return runDetectionJob(be, job, dependency);
  if (job.kind === 'class-fisher') return runClassFisherJob(be, job, dependency);
  return runJob(be, job, cache, dependency as VictimPayload | undefined);
}
