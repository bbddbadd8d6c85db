/**
 * @rgdl/experiments for Node: the universal API plus the data sets (shipped and
 * own files), the job graph with its store and executors (in process, worker
 * threads, BullMQ on Redis) and the atomic writer of reports.
 */
export * from './universal.js';
export * from './data.js';
export * from './output-files.js';
export * from './user-files.js';
export * from './grid/fair-jobs.js';
export * from './grid/map-jobs.js';
export * from './grid/class-fisher-jobs.js';
export * from './grid/grid-job.js';
export * from './grid/store.js';
export * from './grid/thread-pool.js';
export * from './grid/queue.js';
export * from './grid/queue-security.js';
export * from './grid/run-grid.js';
export * from './fair-experiment.js';
export * from './attack-scale.js';
export * from './map-experiment.js';
export * from './surrogate-experiment.js';
export * from './ownership-experiment.js';
export * from './detection-experiment.js';
export * from './reports/map-report.js';
export * from './diagnosis/fisher-report.js';
export * from './diagnosis/flow-report.js';
export * from './victim-training.js';
