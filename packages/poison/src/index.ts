export { constrainStep, argmax, type AnswerView, type Constrained } from './constrain.js';
export {
  classPoisonDirections,
  createService,
  utility,
  usesEpsilon,
  DEFENCES,
  type ClassDirections,
  type DefenceName,
  type DefenceOptions,
  type PredictionService,
  type ServedBatch,
} from './defences.js';
export { trainClone, type Clone, type CloneKind, type CloneOptions } from './clones.js';
export { cloneMetrics, firstLayerWeightError, type CloneMetrics } from './metrics.js';
export { hungarian } from './hungarian.js';
export {
  runExperiment,
  summarise,
  summaryMarkdown,
  summarySvg,
  widthsForDepth,
  type ExperimentConfig,
  type ExperimentRow,
  type SummaryRow,
  type AttackerName,
} from './experiment.js';
export { transferAttack, type TransferResult } from './transfer.js';
