import { describe, expect, it } from 'vitest';
import { createCpuBackend } from './cpu/cpu-backend.js';
import { createBackend, registerBackend, registeredBackends } from './create-backend.js';

describe('backend registry', () => {
  it('prefer "gpu" tries accelerated backends by priority, takes the first available, and falls back to the CPU with every reason', async () => {
    const calls: string[] = [];
    registerBackend('test-slow', async () => (calls.push('slow'), { unavailable: 'slow: no device' }), 50);
    registerBackend('test-fast', async () => (calls.push('fast'), { unavailable: 'fast: software renderer' }), 100);
    // gpujs (priority 10) is tried last; on this machine it has no GPU either, or it is used
    const be = await createBackend({ prefer: 'gpu', threads: 1 });
    expect(calls).toEqual(['fast', 'slow']);
    if (be.fallbackReason !== undefined)
      expect(be.fallbackReason).toMatch(/^fast: software renderer; slow: no device; /);
    be.dispose();

    const marked = createCpuBackend({ threads: 1 });
    registerBackend('test-ok', async () => marked, 75);
    const chosen = await createBackend({ prefer: 'gpu' });
    expect(chosen).toBe(marked);
    expect(calls).toEqual(['fast', 'slow', 'fast']);
    marked.dispose();
    expect(registeredBackends().map((b) => b.name)).toEqual(['test-fast', 'test-ok', 'test-slow', 'gpujs', 'cpu']);
  });

  it('a backend by name, the CPU by default, and a one-line error for a name nobody registered', async () => {
    registerBackend('test-none', async () => ({ unavailable: 'not here' }), 0);
    const be = await createBackend({ prefer: 'test-none', threads: 1 });
    expect(be.fallbackReason).toBe('not here');
    be.dispose();
    const cpu = await createBackend({ threads: 1 });
    expect(cpu.fallbackReason).toBeUndefined();
    cpu.dispose();
    await expect(createBackend({ prefer: 'magic' })).rejects.toThrow(
      /unknown backend 'magic' \(registered: [^)]*\bcpu\b[^)]*, or 'gpu'\)/,
    );
    expect(() => registerBackend('gpu', async () => ({ unavailable: '' }), 1)).toThrow(/accelerated backends/);
  });
});
