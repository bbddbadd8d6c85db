/**
 * Everything in @rgdl/experiments that runs without Node built-ins: the entry
 * point for browsers (the `browser` export condition). index.ts adds the data
 * sets on disk, the job graph's executors (threads, the Redis queue), the result
 * store and the report writer.
 */
export { UsageError, NumericalError, NetworkError, requireFinite } from './errors.js';
export * from './parse.js';
export * from './reports/charts.js';
export * from './reports/fair-report.js';
export * from './presets.js';
export * from './reports/text-table.js';
export * from './reports/attack-report.js';
export * from './diagnosis/served-stability.js';
