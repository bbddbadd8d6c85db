import { createCpuBackend, createRng, matrix, transpose } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { chainOf, inputJacobian, sandwich } from './chain.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

describe('the network as a chain', () => {
  const net = createDeepRbm([5, 4, 3], createRng(1), { weightScale: 1 });

  it('generation starts at the top layer and ends at x; classification the other way round', () => {
    const down = chainOf(net, 'down');
    expect([down.inputWidth, down.firstWidth, down.endWidth]).toEqual([3, 4, 5]);
    expect(down.first).toBe(net.layers[1]);
    expect(down.rest).toEqual([net.layers[0]]);
    const up = chainOf(net, 'up');
    expect([up.inputWidth, up.firstWidth, up.endWidth]).toEqual([5, 4, 3]);
    expect(up.first).toBe(net.layers[0]);
  });
  it('G is W_N for generation and W_1ᵀ for classification', () => {
    expect(inputJacobian(chainOf(net, 'down'))).toBe(net.layers[1]!.W);
    expect(Array.from(inputJacobian(chainOf(net, 'up')).data)).toEqual(Array.from(transpose(net.layers[0]!.W).data));
  });
  it('sandwich gives G C Gᵀ, exactly symmetric', () => {
    const G = matrix(2, 3, Float64Array.of(1, 2, 0, -1, 0.5, 3));
    const C = matrix(3, 3, Float64Array.of(2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3));
    const F = sandwich(be, G, C);
    const ref = be.matmul(be.matmul(G, C), G, { transB: true });
    for (let i = 0; i < 4; i++) expect(F.data[i]).toBeCloseTo(ref.data[i]!, 12);
    expect(F.data[1]).toBe(F.data[2]);
  });
});
