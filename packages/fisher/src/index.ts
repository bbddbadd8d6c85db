export {
  generationFisher,
  classificationFisher,
  topEigenpairs,
  type FisherMethod,
  type FisherOptions,
  type FisherResult,
  type TopEigen,
} from './fisher.js';
export { exactFisher, exactKl, exactEnd, type ExactEnd } from './exact.js';
export { rgChainFisher, type RgChainOptions, type RgChainResult } from './rg-chain.js';
export { monteCarloFisher, type MonteCarloOptions, type MonteCarloFisher } from './monte-carlo.js';
export {
  gibbsGenerationFisher,
  NEAR_DEGENERATE,
  type GibbsEstimator,
  type GibbsFisher,
  type GibbsFisherOptions,
} from './gibbs.js';
export {
  adversarialPerturbation,
  type AdversarialResult,
} from './directions.js';
export { depthStudy, type DepthRow } from './depth-study.js';
export { firstStepFisher, retention, type Retention } from './bound.js';
export {
  amplificationCell,
  randomMapNet,
  mapOutputs,
  mapAccuracy,
  meanFieldGenerationJacobian,
  scaleWeights,
  type AmplificationCell,
  type AmplificationRow,
  type MapSampling,
} from './amplification.js';
