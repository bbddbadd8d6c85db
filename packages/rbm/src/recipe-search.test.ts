import { createCpuBackend, createRng, matrix } from '@rgdl/gpu-kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { victimRecipe } from './victims.js';
import { oneHot, type LabelledData } from './datasets/labelled.js';
import {
  binariseData,
  candidateRecipe,
  isBinary,
  recipeCandidates,
  REFERENCE_L2,
  searchVictimRecipe,
  tunedSoftmaxReference,
} from './recipe-search.js';

const be = createCpuBackend({ threads: 1 });
afterAll(() => be.dispose());

/** Two classes of grey levels below ½: binarised at ½ every input is all zeros. */
function greyBelowHalf(rows: number, seed: number): LabelledData {
  const rng = createRng(seed);
  const x = matrix(rows, 12);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = r % 2;
    labels[r] = c;
    for (let j = 0; j < 12; j++) x.data[r * 12 + j] = 0.05 + 0.2 * c + 0.2 * rng.nextFloat();
  }
  return { x, y: oneHot(labels, 2), labels, classes: 2 };
}

describe('recipe search', () => {
  it('candidates: grey data try the binarised inputs once, binary data never; no hidden level means [n₀, K]', () => {
    const grey = recipeCandidates(false);
    const binary = recipeCandidates(true);
    expect(grey.filter((c) => c.input === 'binary')).toHaveLength(1);
    expect(binary.every((c) => c.input === 'binary')).toBe(true);
    expect(grey.length).toBe(binary.length + 1);
    expect(candidateRecipe({ ...grey[0]!, hidden: 0 }, 12, 2).widths).toEqual([12, 2]);
    expect(candidateRecipe({ ...grey[0]!, hidden: 32 }, 12, 2, 2).widths).toEqual([12, 32, 32, 2]);
    expect(candidateRecipe({ ...grey[0]!, pretrainEpochs: 30, weightDecay: 1e-3 }, 12, 2).pretrain).toMatchObject({
      epochs: 30,
      weightDecay: 1e-3,
    });
    // the discriminative fit: only without hidden levels, no generative term, a longer budget
    const disc = grey.find((c) => c.discriminative === true)!;
    expect(disc.hidden).toBe(0);
    const r = candidateRecipe(disc, 12, 2);
    expect(r.generative.top).toBe(0);
    expect(r.fineTune).toMatchObject({ epochs: 300, patience: 30 });
    expect(candidateRecipe({ ...disc, hidden: 32 }, 12, 2).generative.top).toBe(
      victimRecipe([12, 32, 2]).generative.top,
    );
  });

  it('keeps grey inputs when binarising erases the classes, and returns the winner trained', () => {
    const train = greyBelowHalf(200, 1);
    const validation = greyBelowHalf(80, 2);
    expect(isBinary(train)).toBe(false);
    expect(isBinary(binariseData(train))).toBe(true);
    expect(binariseData(train).x.data.every((v) => v === 0)).toBe(true);
    const s = searchVictimRecipe(be, train, validation, { budgetSeconds: 120, seed: 3 });
    expect(s.chosen.input).toBe('grey');
    const binary = s.trials.find((t) => t.input === 'binary')!;
    // all-zero inputs: the validation split's majority at best
    expect(binary.validationAccuracy).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(s.chosen.validationAccuracy).toBeGreaterThan(0.9);
    // the winner is the best trial, the earliest among ties
    const best = Math.max(...s.trials.map((t) => t.validationAccuracy));
    expect(s.chosen).toBe(s.trials.find((t) => t.validationAccuracy === best));
    expect(s.recipe.widths).toEqual(s.chosen.hidden > 0 ? [12, s.chosen.hidden, 2] : [12, 2]);
    expect(s.victim.net.layers.length).toBe(s.recipe.widths.length - 1);
  }, 60_000);

  it('a budget spent by the first candidate skips every other one (the first always runs)', () => {
    const s = searchVictimRecipe(be, greyBelowHalf(100, 4), greyBelowHalf(40, 5), { budgetSeconds: 1e-6, seed: 1 });
    expect(s.trials).toHaveLength(1);
    expect(s.skipped).toHaveLength(recipeCandidates(false).length - 1);
    expect(() =>
      searchVictimRecipe(be, greyBelowHalf(10, 1), greyBelowHalf(10, 2), { budgetSeconds: 0, seed: 1 }),
    ).toThrow(/budget must be positive/);
  });

  it('the tuned reference tries every λ and keeps the best on validation (the stronger among ties)', () => {
    const r = tunedSoftmaxReference(be, greyBelowHalf(200, 6), greyBelowHalf(80, 7), 1);
    expect(r.tried.map((t) => t.l2)).toEqual([...REFERENCE_L2]);
    const best = Math.max(...r.tried.map((t) => t.validationAccuracy));
    expect(r.l2).toBe(r.tried.find((t) => t.validationAccuracy === best)!.l2);
    expect(best).toBeGreaterThan(0.9);
  });
});
