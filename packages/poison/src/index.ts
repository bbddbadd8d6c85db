/** @rgdl/poison for Node: the universal API plus the fair test's data on the shipped MNIST. */
export * from './universal.js';
export { fairTestData } from './fair-test-data.js';
export {
  binomialTail,
  checkWatermarkKey,
  fingerprintDirections,
  fingerprintPValue,
  fingerprintScore,
  fingerprintTest,
  firstTriggers,
  MAX_WATERMARK_RATE,
  parseWatermarkKey,
  serializeWatermarkKey,
  splitQueries,
  triggerLabel,
  triggerNull,
  triggerOf,
  clopperPearsonUpper,
  UNLIKELY_CHOICES,
  triggersOf,
  verifyOwnership,
  verifyOwnershipSync,
  watermarkAnswers,
  type FingerprintScore,
  type FingerprintTest,
  type Ownership,
  type OwnershipOptions,
  type TriggerNull,
  type TriggerSet,
  type WatermarkedBatch,
  type WatermarkKey,
} from './watermark.js';
export {
  DEFAULT_FEATURES,
  featuresOf,
  fingerprintFeatures,
  fingerprintMoment,
  linearFingerprintScore,
  linearMap,
  linearStep,
  logNormalTail,
  momentTest,
  type FingerprintFeatures,
  type LinearFingerprintScore,
} from './linear-fingerprint.js';
export {
  classCoverage,
  DEFAULT_DETECTION,
  DETECTORS,
  emptyRecord,
  foldQuery,
  inputMassProfile,
  noScores,
  quantiseInput,
  queryFeatures,
  scoresOf,
  type ClientRecord,
  type DetectionSettings,
  type DetectorName,
  type InputMassProfile,
  type QueryFeature,
} from './detection/detectors.js';
export { alarmsOf, calibrateThresholds, streamMaxima, type Calibration } from './detection/calibrate.js';
export { memoryClientStore, parseClientRecord, type ClientStore } from './detection/client-store.js';
export { createClientMonitor, type ClientMonitor, type Observation } from './detection/monitor.js';
export { ALARM_POLICIES, misinformAnswers, type AlarmPolicy } from './detection/policy.js';
export { BENIGN_KINDS, benignStream, type BenignKind } from './detection/benign-streams.js';
export {
  calibrateOnReference,
  referenceFeatures,
  type ReferenceCalibrationOptions,
} from './detection/calibrate-reference.js';
