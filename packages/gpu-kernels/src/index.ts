export type {
  Backend,
  BackendName,
  GibbsSiteKernels,
  MatmulOptions,
  RbmTrainer,
  RbmTrainerStep,
} from './backend.js';
export { jsGibbsSiteKernels } from './kernels/gibbs-sites.js';
export {
  createBackend,
  registerBackend,
  registeredBackends,
  type BackendFactory,
  type CreateBackendOptions,
} from './create-backend.js';
export { createCpuBackend, type CpuBackendOptions } from './cpu/cpu-backend.js';
export {
  createGpuJsBackend,
  isSoftwareRenderer,
  loadGpuJs,
  type GpuJsBackendOptions,
  type GpuJsMode,
  type GpuJsProbe,
} from './gpujs/gpujs-backend.js';
export {
  assertMatrix,
  column,
  describeShape,
  fromRows,
  identity,
  matrix,
  orientLargestPositive,
  toFloat32,
  toFloat64,
  toRows,
  rowViews,
  transpose,
  zeros,
  type FloatArray,
  type Matrix,
} from './matrix.js';
export { createRng, type Rng } from './random.js';
export { DEFAULT_SEED, rngFor, SEED_STREAMS, seedFor, type SeedStream } from './seeds.js';
export { SingularMatrixError } from './linalg/lu-solve.js';
export { solveSpd } from './linalg/spd-solve.js';
export type { SymmetricEigen } from './linalg/symmetric-eigen.js';
export type { ComplexEigenvalues } from './linalg/general-eigenvalues.js';
export { naiveMatmul } from './reference.js';
