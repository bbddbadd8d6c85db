/** @rgdl/poison for Node: the universal API plus the fair test's data on the shipped MNIST. */
export * from './universal.js';
export { fairTestData } from './fair-test-data.js';
