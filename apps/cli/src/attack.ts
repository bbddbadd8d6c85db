/**
 * The cloning attack as a user runs it: an attacker sends its own inputs to a
 * prediction source (a running `rgdl serve`, or a defended service built in
 * process), trains a clone on (x, served answer) and is scored on held-out
 * test digits; an honest user's view of the same source is scored on the same
 * digits. Repeated over seeds (a different query subset and clone
 * initialisation per seed) for error bars.
 */
import { createRng, type Backend } from '@rgdl/gpu-kernels';
import { argmax, createService, trainClone, usesEpsilon, type CloneKind, type DefenceName } from '@rgdl/poison';
import type { DeepRbm } from '@rgdl/rbm';
import type { ModelInfo, PredictResponse } from './server/app.js';
import { UsageError } from './usage-error.js';

export interface SourceAnswers {
  /** The source's label per input (the clean argmax; defences never change it). */
  readonly labels: number[];
  readonly served: Float64Array[];
  /** Clean answers, known only for in-process sources. */
  readonly clean?: Float64Array[];
}

export interface AnswerSource {
  readonly name: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  answer(inputs: readonly Float64Array[]): Promise<SourceAnswers>;
}

/** 'fim ε=0.2', 'none', … */
export function defenceLabel(defence: DefenceName, epsilon: number): string {
  return usesEpsilon(defence) ? `${defence} ε=${epsilon}` : defence;
}

/** A defended service in this process. */
export function localSource(
  be: Backend,
  net: DeepRbm,
  defence: DefenceName,
  epsilon: number,
  seed: number,
): AnswerSource {
  const service = createService(be, net, { defence, epsilon, seed });
  return {
    name: `local ${defenceLabel(defence, epsilon)}`,
    defence,
    epsilon,
    async answer(inputs) {
      const b = service.answer(inputs);
      return { labels: b.clean.map((y) => argmax(y)), served: b.served, clean: b.clean };
    },
  };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new UsageError(
      `cannot reach ${url} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`,
    );
  }
  const text = await res.text();
  if (!res.ok) throw new UsageError(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UsageError(`${url} did not answer JSON`);
  }
}

/** A running `rgdl serve` at `base` (e.g. http://127.0.0.1:8080); inputs go in batches within its limit. */
export async function httpSource(base: string): Promise<AnswerSource & { readonly info: ModelInfo }> {
  const root = base.replace(/\/+$/, '');
  const info = await getJson<ModelInfo>(`${root}/v1/model`);
  if (!Array.isArray(info.widths) || typeof info.defence !== 'string')
    throw new UsageError(`${root}/v1/model is not an rgdl server's answer`);
  const batch = Math.min(64, info.batchLimit);
  return {
    name: `${root} ${defenceLabel(info.defence, info.epsilon)}`,
    defence: info.defence,
    epsilon: info.epsilon,
    info,
    async answer(inputs) {
      const labels: number[] = [];
      const served: Float64Array[] = [];
      for (let i = 0; i < inputs.length; i += batch) {
        const body = JSON.stringify({ inputs: inputs.slice(i, i + batch).map((x) => Array.from(x)) });
        const r = await getJson<PredictResponse>(`${root}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        labels.push(...r.labels);
        served.push(...r.answers.map((a) => Float64Array.from(a)));
      }
      return { labels, served };
    },
  };
}

export interface Stat {
  readonly mean: number;
  /** Sample standard deviation over seeds (0 for one seed). */
  readonly std: number;
  readonly n: number;
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

export interface SourceResult {
  readonly source: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  /** Honest user on the test digits: answers whose argmax is the source's label, and their accuracy. */
  readonly honestLabelKept: number;
  readonly honestAccuracy: number;
  /**
   * Mean ‖served − clean‖₁ on the test digits; for servers, against the answers of
   * an undefended ('none') server when one is attacked too, else null.
   */
  readonly meanL1: number | null;
  readonly cloneAccuracy: Stat;
  /** Clone label = source label on the test digits. */
  readonly cloneAgreement: Stat;
  readonly perSeed: readonly {
    readonly seed: number;
    readonly cloneAccuracy: number;
    readonly cloneAgreement: number;
  }[];
}

export interface Comparison {
  readonly against: DefenceName;
  /** Clone accuracy of `against` minus that of 'fim' (positive: the poison hurt the clone). */
  readonly drop: number;
  /** Standard error of that difference (independent seeds). */
  readonly se: number;
  readonly significant: boolean;
}

export interface AttackResult {
  readonly attacker: CloneKind;
  readonly queries: number;
  readonly testExamples: number;
  readonly seeds: readonly number[];
  readonly sources: readonly SourceResult[];
  readonly comparisons: readonly Comparison[];
  readonly verdict: string;
  readonly seconds: number;
}

export interface AttackOptions {
  readonly sources: readonly AnswerSource[];
  readonly attacker: CloneKind;
  /** Victim widths (the eq14 clone copies the architecture). */
  readonly widths: readonly number[];
  /** The attacker's pool of inputs; each seed draws `queries` of them. */
  readonly pool: readonly Float64Array[];
  readonly queries: number;
  readonly test: readonly Float64Array[];
  readonly testLabels: ArrayLike<number>;
  readonly seeds: readonly number[];
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

function subsetIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}

const pts = (v: number) => `${(100 * v).toFixed(1)}`;

/** Runs the attack on every source and compares the 'fim' source with 'none' and 'random'. */
export async function runCloneAttack(be: Backend, options: AttackOptions): Promise<AttackResult> {
  const t0 = performance.now();
  if (options.queries > options.pool.length)
    throw new UsageError(`--queries ${options.queries} is more than the ${options.pool.length} attacker inputs`);
  const total = options.sources.length * options.seeds.length;
  let done = 0;
  const sources: SourceResult[] = [];
  const testAnswersAll: SourceAnswers[] = [];
  for (const source of options.sources) testAnswersAll.push(await source.answer(options.test));
  const noneIndex = options.sources.findIndex((s) => s.defence === 'none');
  for (const [k, source] of options.sources.entries()) {
    const poolAnswers = await source.answer(options.pool);
    const testAnswers = testAnswersAll[k]!;
    // defender cost against the clean answers, or against an undefended source's answers
    const reference = testAnswers.clean ?? (noneIndex >= 0 ? testAnswersAll[noneIndex]!.served : undefined);
    const n = options.test.length;
    let kept = 0;
    let correct = 0;
    let l1 = 0;
    testAnswers.served.forEach((s, r) => {
      if (argmax(s) === testAnswers.labels[r]) kept++;
      if (argmax(s) === options.testLabels[r]) correct++;
      if (reference) for (let j = 0; j < s.length; j++) l1 += Math.abs(s[j]! - reference[r]![j]!);
    });
    const perSeed = [];
    for (const seed of options.seeds) {
      const idx = subsetIndices(options.pool.length, options.queries, 7919 * seed);
      const clone = trainClone(
        be,
        options.attacker,
        idx.map((i) => options.pool[i]!),
        idx.map((i) => poolAnswers.served[i]!),
        { widths: options.widths, seed },
      );
      const pred = clone.predict(options.test);
      let acc = 0;
      let agree = 0;
      pred.forEach((p, r) => {
        const c = argmax(p);
        if (c === options.testLabels[r]) acc++;
        if (c === testAnswers.labels[r]) agree++;
      });
      perSeed.push({ seed, cloneAccuracy: acc / n, cloneAgreement: agree / n });
      done++;
      options.onProgress?.(done, total, `${source.name}, seed ${seed}`);
    }
    sources.push({
      source: source.name,
      defence: source.defence,
      epsilon: source.epsilon,
      honestLabelKept: kept / n,
      honestAccuracy: correct / n,
      meanL1: reference ? l1 / n : null,
      cloneAccuracy: stat(perSeed.map((s) => s.cloneAccuracy)),
      cloneAgreement: stat(perSeed.map((s) => s.cloneAgreement)),
      perSeed,
    });
  }
  const fim = sources.find((s) => s.defence === 'fim');
  const comparisons: Comparison[] = [];
  for (const against of ['none', 'random'] as const) {
    const other = sources.find((s) => s.defence === against);
    if (!fim || !other) continue;
    const drop = other.cloneAccuracy.mean - fim.cloneAccuracy.mean;
    const se = Math.sqrt(
      other.cloneAccuracy.std ** 2 / other.cloneAccuracy.n + fim.cloneAccuracy.std ** 2 / fim.cloneAccuracy.n,
    );
    comparisons.push({ against, drop, se, significant: Math.abs(drop) > 2 * se && se > 0 });
  }
  let verdict: string;
  if (!fim) verdict = 'no FIM-defended source was attacked, so there is nothing to compare';
  else {
    const parts = comparisons.map(
      (c) =>
        `${c.drop >= 0 ? 'lowered' : 'raised'} clone accuracy by ${pts(Math.abs(c.drop))} ± ${pts(c.se)} points vs ${c.against === 'none' ? 'no defence' : 'a random direction of the same size'} (${c.significant ? 'beyond 2 standard errors' : 'within 2 standard errors: not distinguishable'})`,
    );
    const random = comparisons.find((c) => c.against === 'random');
    const conclusion = random
      ? random.significant && random.drop > 0
        ? 'The FIM direction protects better than random noise of the same size.'
        : 'The FIM direction did not protect better than random noise of the same size in this run.'
      : '';
    verdict =
      `FIM poison (ε=${fim.epsilon}, ${options.attacker} attacker, ${options.seeds.length} seeds) ${parts.join('; ') || 'was not compared'}. Honest users keep their label on ${pts(fim.honestLabelKept)}% of test digits (accuracy ${pts(fim.honestAccuracy)}%). ${conclusion}`.trim();
  }
  return {
    attacker: options.attacker,
    queries: options.queries,
    testExamples: options.test.length,
    seeds: options.seeds,
    sources,
    comparisons,
    verdict,
    seconds: (performance.now() - t0) / 1000,
  };
}
