/**
 * The answer worker: the victim served under every page defence, on the CPU
 * backend (wasm SIMD, f64) exactly as `rgdl serve` computes it, so a digit gets
 * the numbers the server would give. Runs off the main thread.
 */
import { createCpuBackend, matrix, type Backend } from '@rgdl/gpu-kernels';
import { argmax, createService, type ClassDirections, type PredictionService } from '@rgdl/poison';
import { parseModel, widths, type DeepRbm } from '@rgdl/rbm';
import { FIM_DEFENCES, PAGE_DEFENCES, type AnswerReply, type AnswerRequest, type ServiceSettings } from './protocol.js';
import { timeGemm } from './gemm-timing.js';

let be: Backend | undefined;
let net: DeepRbm | undefined;
let settings: ServiceSettings | undefined;
let services = new Map<string, PredictionService>();

const post = (reply: AnswerReply) => (self as unknown as Worker).postMessage(reply);

function build(directions?: ClassDirections): void {
  const next = new Map<string, PredictionService>();
  for (const defence of PAGE_DEFENCES) {
    if (FIM_DEFENCES.includes(defence) && directions === undefined) continue;
    next.set(
      defence,
      createService(be!, net!, {
        defence,
        epsilon: settings!.epsilon,
        seed: settings!.seed,
        ...(directions !== undefined ? { directions } : {}),
      }),
    );
  }
  services = next;
}

function handle(msg: AnswerRequest): void {
  switch (msg.type) {
    case 'load': {
      be ??= createCpuBackend();
      const model = parseModel(msg.modelText);
      net = model.net;
      settings = msg.settings;
      build();
      post({
        type: 'loaded',
        widths: widths(net),
        metadata: model.metadata,
        backend: {
          name: be.name,
          mode: be.mode,
          precision: be.precision,
          sharedMemory: typeof SharedArrayBuffer !== 'undefined',
          ...(be.fallbackReason !== undefined ? { fallbackReason: be.fallbackReason } : {}),
        },
      });
      return;
    }
    case 'directions':
      build(msg.directions);
      return;
    case 'classify': {
      if (net === undefined) throw new Error('no model loaded');
      const t0 = performance.now();
      const x = matrix(1, msg.input.length, Float64Array.from(msg.input));
      const answers = [...services.values()].map((service) => {
        const served = service.answer(x).served.data;
        return { defence: service.defence, label: argmax(served), answer: Array.from(served) };
      });
      post({
        type: 'answers',
        id: msg.id,
        answers,
        pending: PAGE_DEFENCES.filter((d) => !services.has(d)),
        seconds: (performance.now() - t0) / 1000,
      });
      return;
    }
    case 'bench': {
      be ??= createCpuBackend();
      post({
        type: 'bench',
        f64: msg.sizes.map((n) => timeGemm(be!, n, 'f64')),
        f32: msg.sizes.map((n) => timeGemm(be!, n, 'f32')),
      });
      return;
    }
  }
}

self.onmessage = (event: MessageEvent<AnswerRequest>) => {
  try {
    handle(event.data);
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
};
