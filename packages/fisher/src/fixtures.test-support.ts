import { createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';

/** A [5, 4, 4, 3] net small enough for every exact method, with a real-valued y and a binary x. */
export const net = createDeepRbm([5, 4, 4, 3], createRng(2), { weightScale: 1 });
export const y = Float64Array.from([0.2, 0.7, 0.1]);
export const x = Float64Array.from([1, 0, 1, 1, 0]);
