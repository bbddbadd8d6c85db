/**
 * The depth × ε cloning experiment (paper §IV–V, docs/math.md §9): for each depth
 * N and seed a victim is trained on the 'train' split; each defence answers the
 * attacker's own queries (the 'attacker' split, never the victim's data); each
 * attacker trains a clone on (x, served ŷ′); clones and utility are scored on
 * the 'test' split. Results are rows; `summarise` gives mean ± std over seeds.
 */
import type { Backend } from '@rgdl/gpu-kernels';
import { inputRows, loadMnist, subset, trainVictim, VICTIM_RECIPES, victimRecipe } from '@rgdl/rbm';
import { trainClone, type CloneKind } from './clones.js';
import { createService, usesEpsilon, utility, type DefenceName } from './defences.js';
import { cloneMetrics, firstLayerWeightError } from './metrics.js';
import { transferAttack } from './transfer.js';

export type AttackerName = 'eq14' | 'softmax' | 'mlp' | 'softmax-averaging';

export interface ExperimentConfig {
  readonly depths: readonly number[];
  /** Hidden width of every hidden layer (default 64). */
  readonly hidden?: number;
  readonly epsilons: readonly number[];
  readonly defences: readonly DefenceName[];
  readonly attackers: readonly AttackerName[];
  readonly seeds: readonly number[];
  /** Examples: victim training, attacker queries, test (defaults 3000 / 1500 / 1000). */
  readonly victimExamples?: number;
  readonly attackerQueries?: number;
  readonly testExamples?: number;
  /** Greedy-initialisation epochs of the eq. 14 clone (default 5). */
  readonly pretrainEpochs?: number;
  /** Maximum fine-tuning epochs of the victims (default: the victim recipe's). Victims follow @rgdl/rbm's recipe. */
  readonly victimFineTuneEpochs?: number;
  /** Repeats of each query for the averaging attacker (default 5). */
  readonly repeats?: number;
  /**
   * Adversarial transfer for eq. 14 clones: inputs from the clone's classification
   * FIM (norm `epsilon` in pixel space) tried on the victim, on the first `inputs`
   * test examples. Off by default (≈1–3 s per clone).
   */
  readonly transfer?: { readonly inputs: number; readonly epsilon: number };
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface ExperimentRow {
  readonly depth: number;
  readonly seed: number;
  readonly defence: DefenceName;
  readonly epsilon: number;
  readonly attacker: AttackerName;
  readonly victimAccuracy: number;
  /** Defender utility on the test split. */
  readonly labelAgreement: number;
  readonly meanL1: number;
  readonly shrunk: number;
  readonly cloneAccuracy: number;
  readonly cloneAgreement: number;
  readonly cloneKl: number;
  /** eq14 clones: first-layer weight error after Hungarian matching. */
  readonly weightError: number | null;
  /** With `transfer`: victim accuracy on clone-FIM adversarial inputs and on random moves of equal norm. */
  readonly victimAdversarialAccuracy: number | null;
  readonly victimRandomMoveAccuracy: number | null;
}

/** Widths for depth N: 196 inputs (14×14), N−1 hidden layers, 10 outputs. */
export function widthsForDepth(depth: number, hidden = 64): number[] {
  return [196, ...new Array<number>(depth - 1).fill(hidden), 10];
}

export function runExperiment(be: Backend, config: ExperimentConfig): ExperimentRow[] {
  const victimData = loadMnist({ size: 14, split: 'train', limit: config.victimExamples ?? 3000 });
  const attackerData = loadMnist({ size: 14, split: 'attacker', limit: config.attackerQueries ?? 1500 });
  const testData = loadMnist({ size: 14, split: 'test', limit: config.testExamples ?? 1000 });
  const queries = inputRows(attackerData);
  const tests = inputRows(testData);
  // the victim's early-stopping split: attacker-split digits after those used as queries
  const victimValidation = loadMnist({ size: 14, split: 'attacker' });
  const validationRows = Array.from(
    { length: Math.max(0, victimValidation.x.rows - queries.length) },
    (_, i) => queries.length + i,
  );
  const validation =
    validationRows.length >= 200
      ? subset(victimValidation, validationRows)
      : loadMnist({ size: 14, split: 'attacker', limit: 300 });
  const pre = config.pretrainEpochs ?? 5;
  const settings: { defence: DefenceName; epsilon: number }[] = [];
  for (const defence of config.defences) {
    if (usesEpsilon(defence)) for (const epsilon of config.epsilons) settings.push({ defence, epsilon });
    else settings.push({ defence, epsilon: 0 });
  }
  const total = config.depths.length * config.seeds.length * settings.length * config.attackers.length;
  let done = 0;
  const rows: ExperimentRow[] = [];
  for (const depth of config.depths) {
    const widths = widthsForDepth(depth, config.hidden);
    for (const seed of config.seeds) {
      const recipe = victimRecipe(
        widths,
        config.victimFineTuneEpochs === undefined
          ? {}
          : {
              fineTune: { ...VICTIM_RECIPES['mnist14-d2'].fineTune, epochs: config.victimFineTuneEpochs },
            },
      );
      const victim = trainVictim(be, recipe, victimData, validation, { seed }).net;
      const clean = createService(be, victim, { defence: 'none', seed });
      const victimTest = clean.answer(tests).clean;
      const victimAccuracy =
        victimTest.filter((p, r) => p.indexOf(Math.max(...p)) === testData.labels[r]).length / tests.length;
      for (const { defence, epsilon } of settings) {
        const service = createService(be, victim, { defence, epsilon, seed: seed + 1000 });
        const served = service.answer(queries);
        const u = utility(service.answer(tests));
        for (const attacker of config.attackers) {
          let answers = served.served;
          if (attacker === 'softmax-averaging') {
            const R = config.repeats ?? 5;
            const sum = answers.map((a) => Float64Array.from(a));
            for (let t = 1; t < R; t++)
              service.answer(queries).served.forEach((a, r) => a.forEach((v, j) => (sum[r]![j]! += v)));
            answers = sum.map((a) => a.map((v) => v / R));
          }
          const kind: CloneKind = attacker === 'softmax-averaging' ? 'softmax' : attacker;
          const clone = trainClone(be, kind, queries, answers, { widths, seed: seed + 2000, pretrainEpochs: pre });
          const m = cloneMetrics(victimTest, clone.predict(tests), testData.labels);
          const transfer =
            config.transfer && clone.net
              ? transferAttack(
                  be,
                  victim,
                  clone.net,
                  tests.slice(0, config.transfer.inputs),
                  testData.labels,
                  config.transfer.epsilon,
                )
              : undefined;
          rows.push({
            depth,
            seed,
            defence,
            epsilon,
            attacker,
            victimAccuracy,
            labelAgreement: u.labelAgreement,
            meanL1: u.meanL1,
            shrunk: served.shrunk,
            cloneAccuracy: m.cloneAccuracy,
            cloneAgreement: m.agreement,
            cloneKl: m.kl,
            weightError: clone.net && depth > 1 ? firstLayerWeightError(victim, clone.net) : null,
            victimAdversarialAccuracy: transfer?.victimAdversarial ?? null,
            victimRandomMoveAccuracy: transfer?.victimRandom ?? null,
          });
          done++;
          config.onProgress?.(done, total, `depth ${depth} seed ${seed} ${defence} ε=${epsilon} ${attacker}`);
        }
      }
    }
  }
  return rows;
}

export interface SummaryRow {
  readonly depth: number;
  readonly defence: DefenceName;
  readonly epsilon: number;
  readonly attacker: AttackerName;
  readonly n: number;
  readonly mean: Record<string, number>;
  readonly std: Record<string, number>;
}

const METRICS = [
  'victimAccuracy',
  'labelAgreement',
  'meanL1',
  'shrunk',
  'cloneAccuracy',
  'cloneAgreement',
  'cloneKl',
  'weightError',
  'victimAdversarialAccuracy',
  'victimRandomMoveAccuracy',
] as const;

/** Mean ± sample std over seeds for every (depth, defence, ε, attacker). */
export function summarise(rows: readonly ExperimentRow[]): SummaryRow[] {
  const groups = new Map<string, ExperimentRow[]>();
  for (const r of rows) {
    const key = `${r.depth}|${r.defence}|${r.epsilon}|${r.attacker}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const mean: Record<string, number> = {};
    const std: Record<string, number> = {};
    for (const k of METRICS) {
      const v = g.map((r) => r[k]).filter((x): x is number => typeof x === 'number');
      if (v.length === 0) continue;
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      mean[k] = m;
      std[k] = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
    }
    const r0 = g[0]!;
    return { depth: r0.depth, defence: r0.defence, epsilon: r0.epsilon, attacker: r0.attacker, n: g.length, mean, std };
  });
}

/** Markdown table of a summary (mean ± std over seeds). */
export function summaryMarkdown(summary: readonly SummaryRow[]): string {
  const f = (s: SummaryRow, k: string, pct: boolean) =>
    s.mean[k] === undefined
      ? '—'
      : pct
        ? `${(100 * s.mean[k]!).toFixed(1)} ± ${(100 * s.std[k]!).toFixed(1)}`
        : `${s.mean[k]!.toFixed(3)} ± ${s.std[k]!.toFixed(3)}`;
  const transfer = summary.some((s) => s.mean.victimAdversarialAccuracy !== undefined);
  return (
    [
      `| depth | defence | ε | attacker | seeds | victim acc. % | label agreement % | mean ‖δy‖₁ | clone acc. % | clone–victim agreement % | KL(victim‖clone) | weight error |${transfer ? ' victim acc. on clone-FIM adversarial % | on random move % |' : ''}`,
      `|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|${transfer ? '---:|---:|' : ''}`,
      ...summary.map(
        (s) =>
          `| ${s.depth} | ${s.defence} | ${s.epsilon} | ${s.attacker} | ${s.n} | ${f(s, 'victimAccuracy', true)} | ${f(s, 'labelAgreement', true)} | ${f(s, 'meanL1', false)} | ${f(s, 'cloneAccuracy', true)} | ${f(s, 'cloneAgreement', true)} | ${f(s, 'cloneKl', false)} | ${f(s, 'weightError', false)} |${transfer ? ` ${f(s, 'victimAdversarialAccuracy', true)} | ${f(s, 'victimRandomMoveAccuracy', true)} |` : ''}`,
      ),
    ].join('\n') + '\n'
  );
}

/** SVG scatter: clone accuracy (y) against defender cost mean ‖δy‖₁ (x), one colour per defence. */
export function summarySvg(summary: readonly SummaryRow[], attacker: AttackerName): string {
  const pts = summary.filter((s) => s.attacker === attacker && s.mean.cloneAccuracy !== undefined);
  const W = 640,
    H = 400,
    L = 60,
    B = 50,
    T = 30,
    R = 160;
  const maxX = Math.max(0.01, ...pts.map((p) => p.mean.meanL1!)) * 1.1;
  const sx = (x: number) => L + (x / maxX) * (W - L - R);
  const sy = (y: number) => H - B - y * (H - B - T);
  const colours: Record<string, string> = {
    none: '#000',
    fim: '#d62728',
    random: '#1f77b4',
    gaussian: '#2ca02c',
    round: '#9467bd',
    'reverse-sigmoid': '#ff7f0e',
    top1: '#8c564b',
  };
  const defences = [...new Set(pts.map((p) => p.defence))];
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>
<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">defender cost: mean ‖δy‖₁</text>
<text x="16" y="${(T + H - B) / 2}" transform="rotate(-90 16 ${(T + H - B) / 2})" text-anchor="middle">clone test accuracy</text>
<text x="${L}" y="18">clone accuracy vs defender cost (${esc(attacker)} attacker; mean over seeds, bars ±1 std)</text>
${[0, 0.25, 0.5, 0.75, 1].map((v) => `<text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${v}</text>`).join('')}
${[0, 0.5, 1].map((f) => `<text x="${sx(f * maxX)}" y="${H - B + 16}" text-anchor="middle">${(f * maxX).toFixed(2)}</text>`).join('')}
${pts.map((p) => `<line x1="${sx(p.mean.meanL1!)}" y1="${sy(p.mean.cloneAccuracy! - p.std.cloneAccuracy!)}" x2="${sx(p.mean.meanL1!)}" y2="${sy(p.mean.cloneAccuracy! + p.std.cloneAccuracy!)}" stroke="${colours[p.defence]}"/><circle cx="${sx(p.mean.meanL1!)}" cy="${sy(p.mean.cloneAccuracy!)}" r="${2 + p.depth}" fill="${colours[p.defence]}" fill-opacity="0.7"><title>${esc(`${p.defence} ε=${p.epsilon} depth ${p.depth}`)}</title></circle>`).join('\n')}
${defences.map((d, i) => `<circle cx="${W - R + 20}" cy="${T + 10 + 18 * i}" r="5" fill="${colours[d]}"/><text x="${W - R + 32}" y="${T + 14 + 18 * i}">${esc(d)}</text>`).join('\n')}
<text x="${W - R + 14}" y="${T + 30 + 18 * defences.length}">dot size: depth</text>
</svg>
`;
}
