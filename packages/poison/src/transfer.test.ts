import { createCpuBackend, createRng, fromRows, rowViews } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { argmax } from './constrain.js';
import { createService } from './defences.js';
import { transferAttack } from './transfer.js';

const be = createCpuBackend();
afterAll(() => be.dispose());

describe('transferAttack', () => {
  it('reports victim accuracy on clean, clone-FIM and random-move inputs over the same examples', () => {
    const victim = createDeepRbm([16, 8, 4], createRng(1), { weightScale: 1.5 });
    const clone = createDeepRbm([16, 8, 4], createRng(2), { weightScale: 1.5 });
    const rng = createRng(3);
    const xs = fromRows(Array.from({ length: 40 }, () => Float64Array.from({ length: 16 }, () => rng.nextFloat())));
    // labels = the victim's own clean predictions, so clean accuracy is 1
    const clean = createService(be, victim, { defence: 'none' }).answer(xs).clean;
    const labels = Int32Array.from(rowViews(clean), (p) => argmax(p));
    const r = transferAttack(be, victim, clone, xs, labels, 1.5);
    expect(r.inputs).toBe(40);
    expect(r.victimClean).toBe(1);
    for (const v of [r.victimAdversarial, r.victimRandom]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // attacked through its own FIM, the victim loses more labels than through random moves
    const self = transferAttack(be, victim, victim, xs, labels, 1.5);
    expect(self.victimAdversarial).toBeLessThan(self.victimRandom);
  }, 60_000);
});
