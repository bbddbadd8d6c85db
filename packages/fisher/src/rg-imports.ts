// The rg-flow pieces the Fisher estimators use, in one place.
export {
  evaluateOperators,
  exactStabilityMatrix,
  singularValues,
  mcrgStabilityMatrix,
  operatorsFor,
  stabilityFlow,
  type OperatorChoice,
  type OperatorSet,
} from '@rgdl/rg-flow';
