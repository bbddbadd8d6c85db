// The rg-flow pieces the Fisher estimators use, in one place.
import { stateBlock } from '@rgdl/rbm';
export { evaluateOperators, exactStabilityMatrix, singularValues, mcrgStabilityMatrix, operatorsFor, type OperatorChoice, type OperatorSet } from '@rgdl/rg-flow';

/** All 2^n binary states of n units as rows. */
export function stateBlockOps(n: number) {
  return stateBlock(n, 0, 2 ** n);
}
