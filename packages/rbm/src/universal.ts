/**
 * Everything in @rgdl/rbm that runs without Node built-ins: the entry point for
 * browsers (the `browser` export condition). index.ts adds the file readers,
 * the shipped MNIST loader and model files on disk.
 */
export {
  createLayer,
  cloneLayer,
  assertLayer,
  upperWidth,
  lowerWidth,
  type RbmLayer,
  type InitOptions,
} from './layer.js';
export { createDeepRbm, cloneDeepRbm, assertDeepRbm, widths, depth, type DeepRbm } from './deep-rbm.js';
export { allStates, stateBlock, stateIndex } from './states.js';
export {
  ENUMERATION_LIMITS,
  enumerable,
  assertEnumerable,
  type EnumerationPurpose,
} from './enumerable.js';
export {
  upwardField,
  downwardField,
  upwardProbabilities,
  downwardProbabilities,
  logBernoulliRows,
} from './conditionals.js';
export {
  energy,
  freeEnergyLower,
  freeEnergyUpper,
  logPartitionExact,
  logPartitionAis,
  meanLogLikelihood,
  type AisOptions,
  type AisEstimate,
} from './energy.js';
export {
  classifyExact,
  generateExact,
  propagateSampled,
  exactStep,
  productDistribution,
  outputMarginals,
  classProbabilities,
  argmaxRows,
  averageGroups,
  repeatRows,
  type Direction,
  type SampledPropagation,
} from './propagate.js';
export {
  fitRbm,
  dataSource,
  exactModelStats,
  upperEnumeratedStats,
  shuffle,
  gatherRows,
  type PositiveBatch,
  type PositiveSource,
  type NegativePhase,
  type FitOptions,
  type EpochInfo,
} from './train.js';
export {
  trainLayerwise,
  layerwiseSource,
  classifierAccuracy,
  type LayerwiseOptions,
  type LayerwiseResult,
  type SweepInfo,
  type LayerwiseProgress,
} from './layerwise.js';
export {
  serializeModel,
  parseModel,
  ModelFileError,
  MAX_PARAMETER_MAGNITUDE,
  MODEL_FORMAT,
  MODEL_VERSION,
  type ModelFile,
  type ArrayEncoding,
} from './model-file.js';
export * from './datasets/index.js';
export { softplus, softplusSum, discreteKl, logSumExpOf, KL_FLOOR } from './numeric.js';
export { meanFieldPass, meanFieldProbabilities, softmaxRows, type MeanFieldPass } from './mean-field.js';
export {
  hybridObjective,
  fineTune,
  meanFieldScore,
  type LayerGradient,
  type HybridWeights,
  type ObjectiveOptions,
  type ObjectiveValue,
  type FineTuneOptions,
  type FineTuneEpoch,
  type FineTuneResult,
} from './finetune.js';
export { pretrainGreedy, pseudoLogLikelihood, type PretrainOptions, type PretrainEpoch } from './pretrain.js';
export {
  hiddenEnumerable,
  classProbabilitiesAuto,
  classProbabilitiesChunked,
  evaluateClassifier,
  type ClassifierEvaluation,
} from './evaluate.js';
export {
  fitSoftmaxRegression,
  predictSoftmaxRegression,
  softmaxRegressionProbabilities,
  REFERENCE_REGRESSION,
  type SoftmaxRegression,
  type SoftmaxRegressionOptions,
} from './softmax-regression.js';
export { sparseInputsOf, sparseTimes, sparseTransposeTimes, type SparseInputs } from './sparse-inputs.js';
export { Optimiser, type OptimiserKind } from './optimiser.js';
export { accuracy } from './accuracy.js';
export {
  generationQuality,
  type GenerationQuality,
  type GenerationQualityOptions,
} from './generation-quality.js';
export {
  binariseData,
  candidateRecipe,
  isBinary,
  recipeCandidates,
  REFERENCE_L2,
  searchVictimRecipe,
  tunedSoftmaxReference,
  type InputMode,
  type RecipeCandidate,
  type RecipeSearch,
  type RecipeTrial,
  type TunedReference,
} from './recipe-search.js';
export {
  VICTIM_RECIPES,
  victimRecipe,
  trainVictim,
  type VictimRecipe,
  type VictimName,
  type VictimProgress,
  type TrainedVictim,
} from './victims.js';
