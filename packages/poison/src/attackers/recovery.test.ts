import { createCpuBackend, createRng, type Matrix } from '@rgdl/gpu-kernels';
import { noisyPrototypes } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { trainAttacker } from '../attacker.js';
import { trainClone } from '../clones.js';
import { argmax } from '../constrain.js';
import { createService } from '../defences.js';
import { strengthOptions } from '../strength.js';
import { recoveryMap } from './recovery.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

const data = (examples: number, seed: number) =>
  noisyPrototypes({ classes: 3, inputs: 16, examples, flip: 0.1, rng: createRng(seed), prototypeRng: createRng(2) });
const train = data(300, 1);
const fresh = data(200, 3);
// a small victim of 4 × 4 images: [16, 8, 3] by eq. 14 on the true labels
const victim = trainClone(be, 'eq14', train.x, train.y, { widths: [16, 8, 3], seed: 4 }).net!;

const meanL1 = (a: Matrix<Float64Array>, b: Matrix<Float64Array>) =>
  a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]!), 0) / a.rows;

describe('recovery attacker (D-DAE)', () => {
  it('with a perfect shadow it undoes reverse sigmoid: the recovered answers are at least four times as close to the clean ones', () => {
    const service = createService(be, victim, {
      defence: 'reverse-sigmoid',
      seed: 7,
      ...strengthOptions('reverse-sigmoid', 2),
    });
    const answers = service.answer(fresh.x);
    const undo = recoveryMap(be, victim, 'reverse-sigmoid', 2, train.x, 1);
    const before = meanL1(answers.served, answers.clean);
    const after = meanL1(undo(answers.served), answers.clean);
    expect(before).toBeGreaterThan(0.03);
    expect(after).toBeLessThan(before / 4);
  });

  it('keeps the served label of a label-keeping defence on every row', () => {
    const service = createService(be, victim, {
      defence: 'random-class',
      seed: 7,
      ...strengthOptions('random-class', 0.3),
    });
    const served = service.answer(fresh.x).served;
    const recovered = recoveryMap(be, victim, 'random-class', 0.3, train.x, 1)(served);
    for (let r = 0; r < served.rows; r++) {
      expect(argmax(recovered.data.subarray(r * 3, r * 3 + 3))).toBe(argmax(served.data.subarray(r * 3, r * 3 + 3)));
    }
  });

  it('without a defence to undo it is the tuned softmax clone, bit for bit', () => {
    const served = createService(be, victim, { defence: 'none' }).answer(train.x).served;
    const options = { widths: [16, 8, 3], seed: 2 };
    const a = trainAttacker(be, 'recovery', train.x, served, {
      ...options,
      published: { defence: 'none', strength: 0 },
    });
    const b = trainAttacker(be, 'tuned-softmax', train.x, served, options);
    expect(Array.from(a.predict(fresh.x).data)).toEqual(Array.from(b.predict(fresh.x).data));
  });
});
