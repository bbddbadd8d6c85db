/**
 * The diagnosis worker: the per-class generation FIM F̃(e_c) and its poison
 * directions (as `rgdl serve --defence fim` computes them, same seed), then the
 * MCRG stability matrix T̃(1) at y = e_0 (as `rgdl demo` step 3).
 */
import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { classPoisonDirections } from '@rgdl/poison';
import { parseModel } from '@rgdl/rbm';
import { stabilityFlow } from '@rgdl/rg-flow';
import type { DiagnosisReply, DiagnosisRequest } from './protocol.js';

const post = (reply: DiagnosisReply) => (self as unknown as Worker).postMessage(reply);
const STABILITY_SAMPLES = 20000;

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
      stage: `stability matrix T̃(1) at y = e₀ (MCRG, ${STABILITY_SAMPLES.toLocaleString('en')} samples)…`,
    });
    t0 = performance.now();
    const classes = net.layers[net.layers.length - 1]!.W.rows;
    const y0 = matrix(1, classes);
    y0.data[0] = 1;
    const flow = stabilityFlow(be, net, y0, 'down', {
      method: 'mcrg',
      samples: STABILITY_SAMPLES,
      rng: createRng(seed + 2),
      eigen: false,
    });
    const layer = flow.layers[0];
    if (layer === undefined) throw new Error('a one-layer net has no hidden-to-hidden stability matrix');
    post({
      type: 'stability',
      singularValues: Array.from(layer.singularValues),
      errors: Array.from(layer.singularValueErrors ?? []),
      rows: layer.T.rows,
      cols: layer.T.cols,
      samples: STABILITY_SAMPLES,
      seconds: (performance.now() - t0) / 1000,
    });
    be.dispose();
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
};
