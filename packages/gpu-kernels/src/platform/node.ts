/** The Node.js platform: worker_threads helpers, os.availableParallelism, Buffer base64. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HelperThread, Platform } from './platform.js';

export const platform: Platform = {
  name: 'node',
  hardwareThreads: () => availableParallelism(),
  decodeBase64: (text) => new Uint8Array(Buffer.from(text, 'base64')),
  startHelperThread(source, data): HelperThread {
    // `eval: true` so src/, dist/ and bundles need no extra file
    const worker = new Worker(source, { eval: true, workerData: data });
    worker.unref();
    return {
      onError: (listener) => void worker.on('error', listener),
      terminate: () => void worker.terminate(),
    };
  },
};
