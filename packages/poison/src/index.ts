export {
  constrainStep,
  projectToSimplex,
  argmax,
  LABEL_MARGIN,
  type AnswerView,
  type Constrained,
} from './constrain.js';
export {
  classPoisonDirections,
  createService,
  utility,
  usesEpsilon,
  parseDefence,
  roundOnSimplex,
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
export { pairedDifference, tQuantile975, type PairedDifference } from './stats.js';
export {
  runCloneAttack,
  localSource,
  httpSource,
  defenceLabel,
  querySubset,
  stat,
  AnswerSourceError,
  type AnswerSource,
  type SourceAnswers,
  type RemoteModelInfo,
  type Stat,
  type SeedResult,
  type SourceResult,
  type Comparison,
  type AttackResult,
  type AttackOptions,
} from './attack.js';
