import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, createRng, fromRows } from '@rgdl/gpu-kernels';
import { generationFisher, topEigenpairs } from '@rgdl/fisher';
import { classPoisonDirections, localSource, runCloneAttack } from '@rgdl/poison';
import { createDeepRbm, loadModel } from '@rgdl/rbm';
import { connectSource } from './sources.js';
import { runCli } from './cli.js';
import { collect } from './cli.test-helpers.js';
import { buildServer } from './server/app.js';
import { plotProblems } from '@rgdl/vitest-config/svg-text';

// A small victim on the synthetic set (3×3 pixels, 10 classes): every exact method fits.
const dir = mkdtempSync(join(tmpdir(), 'rgdl-cmd-'));
const model = join(dir, 'victim.json');

beforeAll(async () => {
  const c = collect();
  const code = await runCli(
    [
      'train',
      '--data',
      'synthetic',
      '--size',
      '3',
      '--widths',
      '9,8,10',
      '--limit',
      '500',
      '--sweeps',
      '0',
      '--pretrain-epochs',
      '10',
      '--out',
      model,
      '--json',
    ],
    c.io,
  );
  expect(c.err).toBe('');
  expect(code).toBe(0);
}, 60_000);

async function json(args: string[]) {
  const c = collect();
  const code = await runCli([...args, '--json'], c.io);
  expect(c.err, c.err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(c.out);
}

async function fails(args: string[], message: RegExp, exit = 2) {
  const c = collect();
  expect(await runCli(args, c.io)).toBe(exit);
  expect(c.out).toBe('');
  expect(c.err).toMatch(message);
  expect(c.err.trim().split('\n')).toHaveLength(1);
}

describe('rgdl fisher', () => {
  it('exact generation FIM at y = e_2: the spectrum matches @rgdl/fisher, is descending and sums to the trace; --out writes JSON + SVG', async () => {
    const out = join(dir, 'fisher');
    const r = await json(['fisher', '--model', model, '--label', '2', '--out', out]);
    expect(r.method).toBe('exact');
    expect(r.dimension).toBe(10);
    const be = await createBackend({ prefer: 'cpu' });
    const y = Float64Array.from({ length: 10 }, (_, j) => (j === 2 ? 1 : 0));
    const ref = topEigenpairs(be, generationFisher(be, loadModel(model).net, y, { method: 'exact' }).F, 1);
    be.dispose();
    expect(r.eigenvalues[0]).toBeCloseTo(ref.values[0]!, 10);
    for (let i = 1; i < 10; i++) expect(r.eigenvalues[i]).toBeLessThanOrEqual(r.eigenvalues[i - 1] + 1e-12);
    expect(r.eigenvalues.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(r.trace, 10);
    // the data-processing bound: F̃ ≼ F_top, so λ₁ ≤ λ₁(F_top) and F̃ − F_top has no positive eigenvalue
    expect(r.bound.maxExcess).toBeLessThanOrEqual(1e-10 * r.bound.firstStepEigenvalue);
    expect(r.bound.retention).toBeCloseTo(r.eigenvalues[0] / r.bound.firstStepEigenvalue, 12);
    expect(r.bound.retention).toBeLessThanOrEqual(1);
    expect(Math.hypot(...r.topEigenvectors[0])).toBeCloseTo(1, 10);
    // |⟨cli v₁, v₁⟩| = 1 (same vector up to sign)
    expect(
      Math.abs(r.topEigenvectors[0].reduce((a: number, v: number, i: number) => a + v * ref.vectors[0]![i]!, 0)),
    ).toBeCloseTo(1, 8);
    expect(readdirSync(out).sort()).toEqual(['fisher-spectrum.svg', 'fisher-spectrum.vl.json', 'fisher.json']);
    // one point per eigenvalue above the numerical-zero floor 1e-12·λ₁ (log axis); the rest counted in the subtitle
    const shown = r.eigenvalues.filter((v: number) => v > 1e-12 * r.eigenvalues[0]).length;
    expect(shown).toBeGreaterThanOrEqual(5);
    const spec = JSON.parse(readFileSync(join(out, 'fisher-spectrum.vl.json'), 'utf8'));
    expect(spec.data.values).toHaveLength(shown);
    expect(spec.title.subtitle[0]).toMatch(new RegExp(`^${shown} of 10 eigenvalues shown`));
    expect(plotProblems(out)).toEqual([]);
  });
  it('monte-carlo agrees with exact on λ₁ within 10%, and classification FIM is n_0 × n_0', async () => {
    const exact = await json(['fisher', '--model', model, '--label', '5']);
    const mc = await json([
      'fisher',
      '--model',
      model,
      '--label',
      '5',
      '--method',
      'monte-carlo',
      '--samples',
      '20000',
    ]);
    expect(mc.maxEntryStderr).toBeGreaterThan(0);
    expect(Math.abs(mc.eigenvalues[0] / exact.eigenvalues[0] - 1)).toBeLessThan(0.1);
    // Gibbs reports λ₁ with its jackknife error, and that interval covers the exact value
    const gibbs = await json(['fisher', '--model', model, '--label', '5', '--method', 'gibbs', '--samples', '8000']);
    expect(gibbs.method).toBe('gibbs');
    expect(gibbs.lambda1Stderr).toBeGreaterThan(0);
    expect(Math.abs(gibbs.eigenvalues[0] - exact.eigenvalues[0])).toBeLessThan(3 * gibbs.lambda1Stderr);
    const cls = await json(['fisher', '--model', model, '--x-index', '3']);
    expect(cls.direction).toBe('classification');
    expect(cls.dimension).toBe(9);
    expect(Math.min(...cls.eigenvalues)).toBeGreaterThan(-1e-9); // PSD
  });
  it('at width 64 monte-carlo warns that its effective sample size is low (λ₁ reads low) and names gibbs; gibbs reports the gap', async () => {
    const wide = join(import.meta.dirname, '../../web/fixtures/victim.json');
    const c = collect();
    expect(await runCli(['fisher', '--model', wide, '--method', 'monte-carlo', '--samples', '500'], c.io)).toBe(0);
    expect(c.out).toMatch(
      /warning: the importance weights' effective sample size is \d+ per pool.*--method gibbs converges/,
    );
    const g = await json(['fisher', '--model', wide, '--method', 'gibbs', '--samples', '500']);
    expect(g.effectiveSamples).toBeNull();
    expect(g.gap.value).toBeCloseTo(g.eigenvalues[0] - g.eigenvalues[1], 9);
    expect(g.gap.stderr).toBeGreaterThan(0);
  }, 60_000);

  it('user errors: one line, exit 2, no output files', async () => {
    const out = join(dir, 'fisher-bad');
    await fails(['fisher', '--model', model, '--label', '10', '--out', out], /--label 10 is past the 10 output units/);
    await fails(['fisher', '--model', model, '--y', '1,2'], /--y must be 10 comma-separated numbers/);
    await fails(['fisher', '--model', model, '--x-index', '0', '--method', 'rg-chain'], /generation FIM only/);
    await fails(
      ['fisher', '--model', model, '--x-index', '0', '--method', 'gibbs'],
      /gibbs computes the generation FIM only/,
    );
    await fails(['fisher', '--model', join(dir, 'missing.json')], /model file not found/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('rgdl inspect / predict', () => {
  it('inspect describes the model file without computing; predict classifies inputs from a file like eval does', async () => {
    const i = await json(['inspect', '--model', model]);
    expect(i.widths).toEqual([9, 8, 10]);
    expect(i.parameters).toBe(9 * 8 + 8 + 9 + 8 * 10 + 10 + 8);
    expect(i.bytes).toBeGreaterThan(0);
    expect(i.training.method).toBe('hybrid');
    expect(typeof i.testAccuracy).toBe('number');
    const synthetic = (await import('@rgdl/experiments')).loadDataset({ name: 'synthetic', size: 3 }, 'test');
    const file = join(dir, 'predict.json');
    const rows = [0, 1, 2].map((r) => Array.from(synthetic.x.data.slice(r * 9, (r + 1) * 9)));
    writeFileSync(file, JSON.stringify({ inputs: rows }));
    const p = await json(['predict', '--model', model, '--input', file]);
    expect(p.method).toBe('eq. 2 exact'); // hidden width 8 ≤ 14
    expect(p.predictions).toHaveLength(3);
    for (const q of p.predictions) {
      expect(q.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 9);
      expect(q.label).toBe(q.probabilities.indexOf(Math.max(...q.probabilities)));
    }
    const poisoned = await json(['poison', '--model', model, '--defence', 'none', '--input', file]);
    expect(p.predictions.map((q: { label: number }) => q.label)).toEqual(
      poisoned.rows.map((r: { label: number }) => r.label),
    );
    await fails(['predict', '--model', model], /--input <file> is required/);
  });
});

describe('rgdl poison', () => {
  it('fim answers keep every label, move by at most ε, and a JSON input file works like data-set examples', async () => {
    const r = await json(['poison', '--model', model, '--defence', 'fim', '--eps', '0.1', '--count', '8']);
    expect(r.rows).toHaveLength(8);
    expect(r.labelAgreement).toBe(1);
    for (const row of r.rows) {
      expect(row.servedLabel).toBe(row.label);
      expect(row.l2).toBeLessThanOrEqual(0.1 + 1e-9);
      expect(row.served.every((v: number) => v >= 0 && v <= 1)).toBe(true);
    }
    const test = await json(['poison', '--model', model, '--defence', 'none', '--count', '2']);
    const file = join(dir, 'inputs.json');
    const synthetic = (await import('@rgdl/experiments')).loadDataset({ name: 'synthetic', size: 3 }, 'test');
    writeFileSync(
      file,
      JSON.stringify({ inputs: [Array.from(synthetic.x.data.slice(0, 9)), Array.from(synthetic.x.data.slice(9, 18))] }),
    );
    const fromFile = await json(['poison', '--model', model, '--defence', 'none', '--input', file]);
    expect(fromFile.rows.map((x: { label: number }) => x.label)).toEqual(
      test.rows.map((x: { label: number }) => x.label),
    );
  });
  it("every defence serves probability vectors; adaptive misinformation takes the training split of the model's data as its reference", async () => {
    for (const defence of ['mad-argmax', 'adaptive-misinformation', 'random-class', 'random']) {
      const r = await json(['poison', '--model', model, '--defence', defence, '--eps', '0.2', '--count', '6']);
      expect(r.rows).toHaveLength(6);
      for (const row of r.rows) expect(row.served.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
      if (defence !== 'adaptive-misinformation') expect(r.labelAgreement).toBe(1);
    }
  });
  it('rejects bad input files and flags', async () => {
    const file = join(dir, 'bad-inputs.json');
    writeFileSync(file, JSON.stringify({ inputs: [[0, 1, 2, 0, 0, 0, 0, 0, 0]] }));
    await fails(
      ['poison', '--model', model, '--input', file],
      /input 1 \(counting from 1\) has a value outside \[0, 1\]/,
    );
    writeFileSync(file, '{"inputs": [[0, 1]');
    await fails(['poison', '--model', model, '--input', file], /is not valid JSON/);
    await fails(['poison', '--model', model, '--defence', 'magic'], /--defence must be one of/);
    await fails(
      ['poison', '--model', model, '--eps=-1'],
      /--eps: the strength of fim \(ε: .*\) must lie in \[0, .*\], got -1/,
    );
  });
});

describe('rgdl clone-attack', () => {
  it('in process: one result per defence and paired seed, honest labels kept, paired intervals against every arm and the labels-only attacker; --out writes JSON + SVG', async () => {
    const out = join(dir, 'attack');
    const r = await json([
      'clone-attack',
      '--model',
      model,
      '--queries',
      '200',
      '--test',
      '150',
      '--seeds',
      '2',
      '--out',
      out,
    ]);
    expect(r.sources.map((s: { defence: string }) => s.defence)).toEqual(['none', 'random-class', 'fim']);
    for (const s of r.sources) {
      expect(s.perSeed).toHaveLength(2);
      expect(s.honestLabelKept).toBe(1);
      expect(s.cloneAccuracy.mean).toBeGreaterThan(0.15); // 10 classes: chance 0.1
      expect(s.honestAccuracy).toBeGreaterThan(0.2);
      expect(s.cloneAccuracy.mean).toBeLessThanOrEqual(1);
    }
    expect(r.sources[0].meanL1).toBe(0);
    expect(r.sources[2].meanL1).toBeGreaterThan(0);
    // paired comparisons: FIM against each other source and against the labels-only attacker
    expect(r.comparisons.map((c: { against: string }) => c.against)).toEqual(['none', 'random-class', 'labels-only']);
    const seedAcc = (k: number) => r.sources[k].perSeed.map((p: { cloneAccuracy: number }) => p.cloneAccuracy);
    const d0 = seedAcc(0).map((v: number, i: number) => v - seedAcc(2)[i]);
    expect(r.comparisons[0].difference.mean).toBeCloseTo((d0[0] + d0[1]) / 2, 12);
    // two pairs: t(1) = 12.706, half-width 12.706 · |d₀ − d₁| / √2 / √2
    expect(r.comparisons[0].difference.high - r.comparisons[0].difference.mean).toBeCloseTo(
      (12.706 * Math.abs(d0[0] - d0[1])) / 2,
      9,
    );
    expect(r.labelsOnly.perSeed).toHaveLength(2);
    expect(r.labelsOnlyBound.mean).toBeCloseTo(r.sources[0].cloneAccuracy.mean - r.labelsOnly.cloneAccuracy.mean, 12);
    expect(r.verdict).toMatch(/^FIM poison \(ε=0\.2, softmax attacker, 2 paired seeds\)/);
    expect(r.verdict).toMatch(
      /Labels-only bound \(undefended soft clone minus labels-only clone\): (no label-keeping defence can take more than|a label-keeping defence has no measurable room)/,
    );
    // worst case: per seed the better of the soft and (labels kept) the labels-only clone, paired against none's
    const labelsAcc = r.labelsOnly.perSeed.map((p: { cloneAccuracy: number }) => p.cloneAccuracy);
    const worst = (k: number) => seedAcc(k).map((v: number, i: number) => Math.max(v, labelsAcc[i]));
    expect(r.worstCase.map((w: { defence: string }) => w.defence)).toEqual(['random-class', 'fim']);
    const dw = worst(0).map((v: number, i: number) => v - worst(2)[i]);
    expect(r.worstCase[1].damage.mean).toBeCloseTo((dw[0] + dw[1]) / 2, 12);
    expect(r.worstCase[1].accuracy.mean).toBeGreaterThanOrEqual(r.labelsOnly.cloneAccuracy.mean - 1e-12);
    expect(r.verdict).toMatch(/Judged by the worst case/);
    // the plain summary: two sentences, the first on FIM's worst-case damage
    expect(r.summary.split('\n')).toHaveLength(2);
    expect(r.summary).toMatch(
      /^The FIM poison made (the best clone the attacker could train \S+ points less accurate|no measurable difference)/,
    );
    expect(r.verdict).not.toMatch(/ -\d/); // one minus sign: U+2212
    expect(readdirSync(out).sort()).toEqual(['clone-attack.json', 'clone-attack.svg', 'clone-attack.vl.json']);
    expect(plotProblems(out)).toEqual([]);
  }, 60_000);
  it('one pipeline: the same numbers in process and over HTTP, for a sampled victim (hidden width 16 > the exact limit)', async () => {
    const be = await createBackend({ prefer: 'cpu' });
    const net = createDeepRbm([9, 16, 10], createRng(4), { weightScale: 1.5 });
    const rng = createRng(5);
    const row = () => Float64Array.from({ length: 9 }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
    const pool = fromRows(Array.from({ length: 150 }, row));
    const test = fromRows(Array.from({ length: 80 }, row));
    const testLabels = Array.from({ length: test.rows }, (_, i) => i % 10);
    const defences = ['none', 'fim', 'random-class'] as const;
    const directions = classPoisonDirections(be, net, { fisher: { samples: 300, batches: 2 }, seed: 9 });
    const servers = defences.map(
      (defence) =>
        buildServer({
          be,
          net,
          metadata: {},
          modelName: 'v',
          defence,
          strength: 0.2,
          seed: 9,
          logger: false,
          directions,
        }).app,
    );
    const urls = await Promise.all(servers.map((a) => a.listen({ port: 0, host: '127.0.0.1' })));
    try {
      const common = {
        attacker: 'softmax' as const,
        widths: [9, 16, 10],
        pool,
        queries: 100,
        test,
        testLabels,
        seeds: [1, 2],
      };
      const local = await runCloneAttack(be, {
        ...common,
        sources: defences.map((d) => localSource(be, net, d, 0.2, 9, { directions })),
      });
      const remote = await runCloneAttack(be, {
        ...common,
        sources: await Promise.all(urls.map((u) => connectSource(u))),
      });
      const perSeed = (r: typeof local) => r.sources.map((s) => s.perSeed.map((p) => p.cloneAccuracy));
      expect(perSeed(remote)).toEqual(perSeed(local));
      expect(remote.labelsOnly!.perSeed).toEqual(local.labelsOnly!.perSeed);
      expect(remote.comparisons.map((c) => c.difference.mean)).toEqual(local.comparisons.map((c) => c.difference.mean));
    } finally {
      await Promise.all(servers.map((a) => a.close()));
      be.dispose();
    }
  }, 120_000);
  it('against running servers (--url): same protocol over HTTP; unreachable servers are a one-line error', async () => {
    const be = await createBackend({ prefer: 'cpu' });
    const { net, metadata } = loadModel(model);
    const servers = (['none', 'fim'] as const).map(
      (defence) =>
        buildServer({ be, net, metadata, modelName: 'victim', defence, strength: 0.2, seed: 1, logger: false }).app,
    );
    const urls = await Promise.all(servers.map((a) => a.listen({ port: 0, host: '127.0.0.1' })));
    try {
      const r = await json([
        'clone-attack',
        '--model',
        model,
        '--url',
        urls[0]!,
        '--url',
        urls[1]!,
        '--queries',
        '200',
        '--test',
        '150',
        '--seeds',
        '2',
      ]);
      expect(r.sources.map((s: { source: string }) => s.source)).toEqual([`${urls[0]} none`, `${urls[1]} fim ε=0.2`]);
      expect(r.sources[1].meanL1).toBeGreaterThan(0); // measured against the undefended server
      expect(r.sources[1].honestLabelKept).toBe(1);
      expect(r.comparisons.map((c: { against: string }) => c.against)).toEqual(['none', 'labels-only']);
    } finally {
      await Promise.all(servers.map((a) => a.close()));
      be.dispose();
    }
    // a server that cannot be reached (after the client's retries) is a network failure: exit 4, one line
    const closed = createNetServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)),
    );
    await new Promise((resolve) => closed.close(resolve));
    await fails(
      ['clone-attack', '--model', model, '--url', `http://127.0.0.1:${port}`],
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1/model \\(.*ECONNREFUSED.*after 4 retries\\)`),
      4,
    );
    await fails(
      ['clone-attack', '--model', model, '--queries', '5000'],
      /--queries 5000 is more than the 500 inputs of the attacker split \(use --queries 500 or fewer/,
    );
  }, 60_000);
});

describe('rgdl flow', () => {
  it('exact generation flow of a 3-layer net: couplings per level, distances between equal-width levels, JSON + 3 SVG files', async () => {
    const deep = join(dir, 'deep.json');
    const c = collect();
    expect(
      await runCli(
        [
          'train',
          '--data',
          'synthetic',
          '--size',
          '3',
          '--widths',
          '9,8,8,10',
          '--limit',
          '300',
          '--sweeps',
          '0',
          '--pretrain-epochs',
          '5',
          '--out',
          deep,
          // the flow is what is tested here; a 3-layer net on 300 noisy 9-pixel digits may classify near chance
          '--force',
          '--json',
        ],
        c.io,
      ),
    ).toBe(0);
    const out = join(dir, 'flow');
    const r = await json(['flow', '--model', deep, '--method', 'exact', '--label', '4', '--out', out]);
    expect(r.layers.map((l: { layer: number }) => l.layer)).toEqual([2, 1]);
    expect(r.couplings.map((l: { level: number }) => l.level)).toEqual([2, 1, 0]);
    // h2 given y alone is a product distribution: no interactions of order ≥ 2
    expect(r.couplings[0].normsByOrder[1]).toBeLessThan(1e-9);
    expect(r.couplings[1].distanceToPrevious).toBeGreaterThan(0); // h1 and h2 both have 8 units
    expect(r.couplings[2].distanceToPrevious).toBeNull(); // 9 vs 8 units
    expect(r.productTopSingularValues[0]).toBeCloseTo(r.layers[0].singularValues[0], 12);
    for (const l of r.layers) {
      const amplified = l.relevantDirections.filter((d: { kind: string }) => d.kind === 'amplified');
      expect(amplified).toHaveLength(Math.min(3, l.singularValuesAboveOne));
      for (const d of l.relevantDirections) expect(Math.abs(d.value)).toBeGreaterThan(1);
    }
    expect(readdirSync(out).sort()).toEqual([
      'coupling-flow.svg',
      'coupling-flow.vl.json',
      'flow-products.svg',
      'flow-products.vl.json',
      'flow-singular-values.svg',
      'flow-singular-values.vl.json',
      'flow.json',
    ]);
    expect(plotProblems(out)).toEqual([]);
  });
});
