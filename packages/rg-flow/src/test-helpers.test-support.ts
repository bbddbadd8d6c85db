// Re-exports and small builders shared by the rg-flow tests.
import { stateBlock } from '@rgdl/rbm';
export { chainNearestNeighbours, completeBasis, evaluateOperators, latticeOperators, singles } from './operators.js';

/** All 2^n binary states as rows. */
export function stateOps(n: number) {
  return stateBlock(n, 0, 2 ** n);
}
