export {
  operatorSet,
  summedOperatorSet,
  singles,
  allPairs,
  union,
  upToOrder,
  completeBasis,
  chainNearestNeighbours,
  latticeOperators,
  evaluateOperators,
  termMask,
  LATTICE_SHAPES,
  type Operator,
  type OperatorSet,
  type LatticeShape,
} from './operators.js';
export {
  couplingsFromDistribution,
  couplingsFromHamiltonian,
  hamiltonianFromCouplings,
  projectCouplings,
  couplingNormsByOrder,
  PROBABILITY_FLOOR,
} from './couplings.js';
export {
  exactStabilityMatrix,
  mcrgStabilityMatrix,
  jackknifeError,
  type McrgOptions,
  type McrgResult,
} from './stability.js';
export {
  eigenAnalysis,
  singularValues,
  topRightSingularVectors,
  type Eigenvalue,
  type EigenAnalysis,
} from './spectrum.js';
export {
  couplingFlow,
  stabilityFlow,
  sampleLayerPairs,
  operatorsFor,
  type OperatorChoice,
  type LevelCouplings,
  type LayerStability,
  type StabilityFlow,
  type StabilityFlowOptions,
} from './flow.js';
export { KC_2D, sampleIsingChain, decimateChain, wolffIsing2d, majorityBlocks, type WolffOptions } from './ising.js';
