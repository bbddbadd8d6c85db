/** @rgdl/poison for Node: the universal API plus the fair test on the shipped MNIST. */
export * from './universal.js';
export { fairTestData, runFairTest } from './fair-test-run.js';
