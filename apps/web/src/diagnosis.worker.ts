/**
 * The diagnosis worker: the per-class generation FIM F̃(e_c) and its poison
 * directions (as `rgdl serve --defence fim` computes them, same seed), then the
 * MCRG stability matrix T̃(1) at y = e_0 (as `rgdl demo` step 3).
 */
import { createCpuBackend } from '@rgdl/gpu-kernels';
import { SERVED_STABILITY_SAMPLES, servedStability } from '@rgdl/experiments';
import { classPoisonDirections } from '@rgdl/poison';
import { parseModel } from '@rgdl/rbm';
import type { DiagnosisReply, DiagnosisRequest } from './protocol.js';

const post = (reply: DiagnosisReply) => (self as unknown as Worker).postMessage(reply);

self.onmessage = (event: MessageEvent<DiagnosisRequest>) => {
  try {
    const { net } = parseModel(event.data.modelText);
    const { seed } = event.data.settings;
    const be = createCpuBackend();
    post({ type: 'progress', stage: 'Fisher information of every class (Monte Carlo, 2,000 samples × 8 pools)…' });
    let t0 = performance.now();
    const directions = classPoisonDirections(be, net, { seed });
    post({ type: 'fisher', directions, seconds: (performance.now() - t0) / 1000 });
    post({
      type: 'progress',
      stage: `stability matrix T̃(1) at y = e₀ (MCRG, ${SERVED_STABILITY_SAMPLES.toLocaleString('en')} samples)…`,
    });
    t0 = performance.now();
    const stability = servedStability(be, net, seed);
    if (stability === null) throw new Error('a one-layer net has no hidden-to-hidden stability matrix');
    post({ type: 'stability', ...stability, seconds: (performance.now() - t0) / 1000 });
    be.dispose();
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
};
