import fc from 'fast-check';
import { createCpuBackend, createRng } from '@rgdl/gpu-kernels';
import { createDeepRbm } from '@rgdl/rbm';
import { afterAll, describe, expect, it } from 'vitest';
import { argmax, constrainStep } from './constrain.js';
import { createService, DEFENCES, utility } from './defences.js';
import { hungarian } from './hungarian.js';
import { runExperiment, summarise, summaryMarkdown, summarySvg } from './experiment.js';
import { transferAttack } from './transfer.js';
import { trainClone } from './clones.js';
import { noisyPrototypes } from '@rgdl/rbm';

const be = createCpuBackend();
afterAll(() => be.dispose());

const probVector = (n: number) => fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: n, maxLength: n })
  .map((w) => { const s = w.reduce((a, b) => a + b, 0); return Float64Array.from(w, (x) => x / s); });

describe('constrainStep (property tests)', () => {
  it('never changes the label and keeps the answer valid, for any step and either view', () => {
    fc.assert(
      fc.property(probVector(6), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.constantFrom('box' as const, 'simplex' as const), (y, d, view) => {
        // strict argmax only (ties have no well-defined label)
        const sorted = [...y].sort((a, b) => b - a);
        fc.pre(sorted[0]! - sorted[1]! > 1e-9);
        const r = constrainStep(y, Float64Array.from(d), view);
        expect(argmax(r.served)).toBe(argmax(y));
        expect(r.served.every((v) => v >= 0 && v <= 1)).toBe(true);
        if (view === 'simplex') expect(r.served.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        expect(r.scale).toBeGreaterThanOrEqual(0);
        expect(r.scale).toBeLessThanOrEqual(1);
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});

describe('defences', () => {
  const net = createDeepRbm([16, 8, 4], createRng(1), { weightScale: 1 });
  const rng = createRng(2);
  const inputs = Array.from({ length: 40 }, () => Float64Array.from({ length: 16 }, () => (rng.nextFloat() < 0.5 ? 1 : 0)));
  const fisher = { samples: 400, pool: 256, batches: 2 };

  it('with ε = 0 every step-based defence is the identity; none is always the identity', () => {
    for (const defence of ['none', 'fim', 'random', 'gaussian'] as const) {
      const b = createService(be, net, { defence, epsilon: 0, fisher }).answer(inputs);
      b.served.forEach((s, r) => expect(Array.from(s)).toEqual(Array.from(b.clean[r]!)));
      expect(utility(b)).toEqual({ labelAgreement: 1, meanL1: 0 });
    }
  });

  it('keep the label (label agreement 1) except top1/round/reverse-sigmoid, whose cost is their own', () => {
    for (const defence of DEFENCES) {
      const b = createService(be, net, { defence, epsilon: 0.2, fisher, decimals: 1 }).answer(inputs);
      const u = utility(b);
      if (['fim', 'random', 'gaussian', 'none', 'top1'].includes(defence)) expect(u.labelAgreement).toBe(1);
      // step-based defences never move more than the requested Euclidean norm
      if (['fim', 'random'].includes(defence)) {
        b.served.forEach((s, r) => expect(Math.hypot(...s.map((v, j) => v - b.clean[r]![j]!))).toBeLessThanOrEqual(0.2 + 1e-12));
      }
    }
  });

  it('fim and random answers are deterministic per query; gaussian noise is fresh', () => {
    for (const defence of ['fim', 'random'] as const) {
      const s = createService(be, net, { defence, epsilon: 0.2, fisher });
      expect(s.answer(inputs.slice(0, 3)).served.map((a) => Array.from(a))).toEqual(s.answer(inputs.slice(0, 3)).served.map((a) => Array.from(a)));
    }
    const g = createService(be, net, { defence: 'gaussian', epsilon: 0.2 });
    const a = g.answer(inputs.slice(0, 3)).served.map((x) => Array.from(x));
    const b = g.answer(inputs.slice(0, 3)).served.map((x) => Array.from(x));
    expect(a).not.toEqual(b);
  });
});

describe('transferAttack', () => {
  it('reports victim accuracy on clean, clone-FIM and random-move inputs over the same examples', () => {
    const victim = createDeepRbm([16, 8, 4], createRng(1), { weightScale: 1.5 });
    const clone = createDeepRbm([16, 8, 4], createRng(2), { weightScale: 1.5 });
    const rng = createRng(3);
    const xs = Array.from({ length: 40 }, () => Float64Array.from({ length: 16 }, () => rng.nextFloat()));
    // labels = the victim's own clean predictions, so clean accuracy is 1
    const clean = createService(be, victim, { defence: 'none' }).answer(xs).clean;
    const labels = Int32Array.from(clean, (p) => argmax(p));
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

describe('knockoff clones on soft labels', () => {
  it('softmax regression and the MLP learn noisy prototypes from soft answers', () => {
    const train = noisyPrototypes({ classes: 4, inputs: 20, examples: 400, flip: 0.1, rng: createRng(1), prototypeRng: createRng(9) });
    const test = noisyPrototypes({ classes: 4, inputs: 20, examples: 200, flip: 0.1, rng: createRng(2), prototypeRng: createRng(9) });
    const rows = (d: typeof train) => Array.from({ length: d.x.rows }, (_, r) => d.x.data.slice(r * 20, (r + 1) * 20));
    // soft answers: 0.7 on the true class, the rest spread evenly
    const soft = Array.from(train.labels, (c) => Float64Array.from({ length: 4 }, (_, j) => (j === c ? 0.7 : 0.1)));
    for (const kind of ['softmax', 'mlp'] as const) {
      const clone = trainClone(be, kind, rows(train), soft, { widths: [20, 4], seed: 3, epochs: 200 });
      const pred = clone.predict(rows(test));
      const acc = pred.filter((p, r) => argmax(p) === test.labels[r]).length / pred.length;
      expect(acc, kind).toBeGreaterThan(0.9);
      for (const p of pred) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    }
  });
});

describe('hungarian', () => {
  it('finds the minimum-cost permutation (checked by brute force on 5×5)', () => {
    const rng = createRng(4);
    const n = 5;
    const cost = Float64Array.from({ length: n * n }, () => rng.nextFloat());
    const perm = hungarian(cost, n);
    const total = (p: number[]) => p.reduce((s, j, i) => s + cost[i * n + j]!, 0);
    let best = Infinity;
    const permute = (arr: number[], k: number): void => {
      if (k === n) { best = Math.min(best, total(arr)); return; }
      for (let i = k; i < n; i++) { [arr[k], arr[i]] = [arr[i]!, arr[k]!]; permute(arr, k + 1); [arr[k], arr[i]] = [arr[i]!, arr[k]!]; }
    };
    permute([0, 1, 2, 3, 4], 0);
    expect(new Set(perm).size).toBe(n);
    expect(total(Array.from(perm))).toBeCloseTo(best, 12);
  });
});

describe('experiment runner', () => {
  it('runs a tiny grid and produces a well-formed table and plot', () => {
    const rows = runExperiment(be, {
      depths: [1, 2], hidden: 16, epsilons: [0.2], defences: ['none', 'fim', 'random'], attackers: ['softmax', 'eq14'], seeds: [1, 2],
      victimExamples: 300, attackerQueries: 200, testExamples: 100, pretrainEpochs: 1,
    });
    expect(rows).toHaveLength(2 * 2 * 3 * 2);
    const summary = summarise(rows);
    expect(summary).toHaveLength(2 * 3 * 2);
    for (const s of summary) {
      expect(s.n).toBe(2);
      expect(s.mean.cloneAccuracy).toBeGreaterThanOrEqual(0);
      expect(s.mean.labelAgreement).toBe(1);
    }
    const md = summaryMarkdown(summary);
    expect(md.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(2 + summary.length);
    expect(summarySvg(summary, 'softmax')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  }, 120_000);
});
