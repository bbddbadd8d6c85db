/**
 * The conformance suite every registered attacker passes: seeded determinism
 * (the same seed, queries and answers give the same clone), and a clone clearly
 * above chance, in agreement with an undefended victim, on inputs it never queried.
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createRng, rowViews } from '@rgdl/gpu-kernels';
import { accuracy, noisyPrototypes, trainVictim, victimRecipe } from '@rgdl/rbm';
import { ATTACKER_REGISTRY, ATTACKERS, rowLabels, trainAttacker } from '../attacker.js';
import { createService, LABEL_PRESERVING } from '../defences.js';
import { DEFENCE_STRENGTHS, strengthOptions } from '../strength.js';

const be = createCpuBackend({ threads: 1 });
// a victim trained on four noisy 16-pixel prototypes (balanced classes), its queries drawn alike
const proto = (n: number, seed: number) =>
  noisyPrototypes({
    classes: 4,
    inputs: 16,
    examples: n,
    flip: 0.15,
    rng: createRng(seed),
    prototypeRng: createRng(1),
  });
const net = trainVictim(
  be,
  victimRecipe([16, 8, 4], { fineTune: { epochs: 5, learningRate: 0.01, patience: 3 } }),
  proto(400, 2),
  proto(100, 3),
  { seed: 1 },
).net;
const queries = proto(400, 4).x;
const test = proto(300, 5).x;
const victim = createService(be, net, { defence: 'none' });
const served = victim.answer(queries).served;
const victimLabels = rowLabels(victim.answer(test).served);
const options = { widths: [16, 8, 4], seed: 3 };
// the most common victim label on the test inputs: what a constant guess would agree with
const majority = Math.max(...[0, 1, 2, 3].map((c) => victimLabels.filter((l) => l === c).length)) / victimLabels.length;

describe.each(ATTACKERS)('attacker %s', (name) => {
  const descriptor = ATTACKER_REGISTRY.find((a) => a.name === name)!;
  it('is seeded: the same seed, queries and answers give the same clone', () => {
    const a = trainAttacker(be, name, queries, served, options).predict(test);
    const b = trainAttacker(be, name, queries, served, options).predict(test);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.rows).toBe(test.rows);
    expect(rowViews(a).every((p) => Math.abs(p.reduce((x, y) => x + y, 0) - 1) < 1e-6)).toBe(true);
    expect(descriptor.summary.length).toBeGreaterThan(5);
  });
  it('clones an undefended victim clearly above chance on inputs it never queried', () => {
    const agreement = accuracy(trainAttacker(be, name, queries, served, options).predict(test), victimLabels);
    expect(agreement, `${name}: ${agreement} vs majority ${majority}`).toBeGreaterThan(Math.max(0.25, majority) + 0.1);
  });
});

describe('the attacker registry', () => {
  it('names every attacker once, and includes the one added as one module', () => {
    expect(new Set(ATTACKERS).size).toBe(ATTACKERS.length);
    expect(ATTACKERS).toContain('softmax-sharpened');
  });
});

describe('labels-only attackers against label-keeping defences', () => {
  const labelAttackers = ATTACKER_REGISTRY.filter((a) => a.labelsOnly && !a.costly).map((a) => a.name);
  const reference = proto(200, 6).x;
  it.each(LABEL_PRESERVING.filter((d) => d !== 'none'))(
    '%s serves the clean labels, so every seeded labels-only clone is bit-identical to the undefended one',
    (defence) => {
      const strength = DEFENCE_STRENGTHS[defence];
      const defended = createService(be, net, {
        defence,
        reference,
        seed: 2,
        ...(strength ? strengthOptions(defence, strength.fallback) : {}),
      }).answer(queries).served;
      expect(rowLabels(defended)).toEqual(rowLabels(served));
      for (const attacker of [...labelAttackers, 'tuned-softmax-labels' as const]) {
        const a = trainAttacker(be, attacker, queries, served, options).predict(test);
        const b = trainAttacker(be, attacker, queries, defended, options).predict(test);
        expect(Array.from(b.data)).toEqual(Array.from(a.data));
      }
    },
  );
});
