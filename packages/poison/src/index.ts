/** @rgdl/poison for Node: the universal API plus the fair test's data on the shipped MNIST. */
export * from './universal.js';
export { fairTestData } from './fair-test-data.js';
export {
  binomialTail,
  checkWatermarkKey,
  fingerprintDirections,
  fingerprintPValue,
  fingerprintScore,
  MAX_WATERMARK_RATE,
  parseWatermarkKey,
  serializeWatermarkKey,
  triggerOf,
  triggersOf,
  verifyOwnership,
  watermarkAnswers,
  type FingerprintScore,
  type Ownership,
  type OwnershipOptions,
  type TriggerSet,
  type WatermarkedBatch,
  type WatermarkKey,
} from './watermark.js';
