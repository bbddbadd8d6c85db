/**
 * Everything in @rgdl/poison that runs without Node built-ins: the entry point
 * for browsers (the `browser` export condition). index.ts adds the fair test's
 * MNIST data and the whole fair test in one process.
 */
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
  classPoisonDirectionsStepwise,
  classFisher,
  classFisherOptions,
  CLASS_FISHER_DEFAULTS,
  classDirectionsFrom,
  needsClassDirections,
  createService,
  utility,
  usesEpsilon,
  parseDefence,
  LABEL_PRESERVING,
  roundOnSimplex,
  DEFENCES,
  DEFENCE_REGISTRY,
  defenceDescriptor,
  type DefenceDescriptor,
  type DefenceSettings,
  type ClassDirections,
  type DefenceName,
  type DefenceOptions,
  type PredictionService,
  type ServedBatch,
} from './defences.js';
export { trainClone, type Clone, type CloneKind, type CloneOptions } from './clones.js';
export { brierScore, cloneMetrics, firstLayerWeightError, type CloneMetrics } from './metrics.js';
export { hungarian } from './hungarian.js';
export { transferAttack, type TransferResult } from './transfer.js';
export {
  describeBound,
  describeDifference,
  pairedDifference,
  points,
  tQuantile975,
  type PairedDifference,
} from './stats.js';
export {
  runCloneAttack,
  localSource,
  httpSource,
  defenceLabel,
  stat,
  AnswerSourceError,
  type AnswerSource,
  type SourceAnswers,
  type RemoteModelInfo,
  type HttpSourceOptions,
  type RetryEvent,
  type Stat,
  type SeedResult,
  type SourceResult,
  type Comparison,
  type AttackResult,
  type AttackOptions,
} from './attack.js';
export { madAnswer, gradientAngle, randomSurrogate, surrogateProbabilities, type Surrogate } from './mad.js';
export { bottomRbmScorer, misinformedAnswer, type OodScorer } from './misinformation.js';
export {
  summariseFairTest,
  type FairSummary,
  type CurvePoint,
  type MatchedComparison,
  type WorstCase,
} from './fair-summary.js';
export {
  widthsForDepth,
  oodAttacker,
  fairCells,
  isCostlyAttacker,
  fairVictim,
  runFairArm,
  assembleFairTest,
  fairRowCount,
  type FairTestData,
  type FairVictim,
  type FairArmResult,
  type FairAttacker,
  type DefenceArm,
  type FairTestConfig,
  type FairTestResult,
  type FairRow,
  type ArmCost,
} from './fair-test.js';
export { defineDefence, type DefenceContext, type DefenceInstance, type RowAnswer } from './defences/defence.js';
export {
  DEFENCE_STRENGTHS,
  strengthOptions,
  strengthProblem,
  strengthLabel,
  type DefenceStrength,
} from './strength.js';
export type { ServerModelInfo, ServerDiagnosis, PredictResponse } from './server-info.js';
export { outOfDistributionQueries } from './queries.js';
export {
  SURROGATE_FAMILIES,
  surrogateImage,
  surrogateQueries,
  type SurrogateFamily,
} from './surrogate.js';
export {
  trainAttacker,
  attackOnce,
  querySubset,
  pickRows,
  rowLabels,
  labelsOnly,
  cloneKindOf,
  ATTACKERS,
  ATTACKER_REGISTRY,
  attackerDescriptor,
  type Attacker,
  type AttackerDescriptor,
} from './attacker.js';
export { defineAttacker } from './attackers/attacker.js';
export { CLEANING_FOLDS, CLEANING_TOP, implausibleRows } from './attackers/cleaned.js';
export { normalQuantile } from './detection/normal-quantile.js';
export { SHAPIRO_WILK_MAX, shapiroWilkCoefficients, shapiroWilkW } from './detection/shapiro-wilk.js';
