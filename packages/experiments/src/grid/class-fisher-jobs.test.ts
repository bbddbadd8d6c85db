import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { classPoisonDirections } from '@rgdl/poison';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { classPoisonDirectionsOnThreads } from './class-fisher-jobs.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('the per-class FIM cache on worker threads', () => {
  it('equals the serial cache bit for bit (each class draws from its own stream)', async () => {
    const net = createDeepRbm([16, 8, 4], createRng(1), { weightScale: 1 });
    const fisher = { samples: 200, batches: 4 };
    const serial = classPoisonDirections(be, net, { seed: 7, fisher });
    const threaded = await classPoisonDirectionsOnThreads(be, net, { seed: 7, fisher, threads: 2 });
    expect(Array.from(threaded.eigenvalues)).toEqual(Array.from(serial.eigenvalues));
    expect(Array.from(threaded.lambda1Errors)).toEqual(Array.from(serial.lambda1Errors));
    expect(threaded.gaps).toEqual(serial.gaps);
    expect(threaded.fisher.map((f) => Array.from(f))).toEqual(serial.fisher.map((f) => Array.from(f)));
    expect(threaded.directions.map((v) => Array.from(v))).toEqual(serial.directions.map((v) => Array.from(v)));
    // another seed is another cache
    const other = await classPoisonDirectionsOnThreads(be, net, { seed: 8, fisher, threads: 2 });
    expect(Array.from(other.eigenvalues)).not.toEqual(Array.from(serial.eigenvalues));
  }, 60_000);
});
