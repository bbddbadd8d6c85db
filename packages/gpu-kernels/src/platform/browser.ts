/**
 * The browser platform: no Node built-ins. The wasm GEMM runs on the calling
 * thread only — a browser's main thread may not block in Atomics.wait, so no
 * helper thread is started; run heavy work in a Web Worker to keep a page
 * responsive (apps/web does).
 */
import type { Platform } from './platform.js';

interface BrowserGlobals {
  navigator?: { hardwareConcurrency?: number };
  atob(text: string): string;
}

export const platform: Platform = {
  name: 'browser',
  hardwareThreads: () => (globalThis as unknown as BrowserGlobals).navigator?.hardwareConcurrency ?? 1,
  decodeBase64(text) {
    const binary = (globalThis as unknown as BrowserGlobals).atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  },
  startHelperThread: () => undefined,
};
