/**
 * The cloning attack, one pipeline for every caller (`rgdl clone-attack`,
 * `rgdl demo`, servers or in-process services): an attacker sends its own
 * inputs to a prediction source, trains a clone on (x, served answer) and is
 * scored on held-out test inputs; an honest user's view of the same source is
 * scored on the same inputs.
 *
 * Seeds are paired: seed s fixes the attacker's query subset and the clone's
 * initialisation for every source, so sources are compared by the paired
 * differences of their clones' accuracies, with 95% t intervals (stats.ts).
 * Beside the soft-answer attacker runs the labels-only attacker of the same
 * kind, trained on the argmax of the served answers: a label-preserving defence
 * serves it exactly the clean labels, so "undefended soft clone − labels-only
 * clone" bounds what any label-preserving defence can take from this attacker.
 */
import { matrix, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { accuracy, type DeepRbm } from '@rgdl/rbm';
import { attackOnce, rowLabels } from './attacker.js';
import type { CloneKind } from './clones.js';
import { argmax } from './constrain.js';
import {
  createService,
  defenceDescriptor,
  LABEL_PRESERVING,
  usesEpsilon,
  type DefenceName,
  type DefenceOptions,
} from './defences.js';
import type { PredictResponse, ServerModelInfo } from './server-info.js';
import { describeBound, describeDifference, pairedDifference, points, type PairedDifference } from './stats.js';

const pts = points;

export interface SourceAnswers {
  /** The label served per input: the argmax of the served answer (never the clean label). */
  readonly labels: number[];
  /** Served answers (rows × classes). */
  readonly served: Matrix<Float64Array>;
  /** Clean answers, known only for in-process sources. */
  readonly clean?: Matrix<Float64Array>;
}

export interface AnswerSource {
  readonly name: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  /** Answers for input rows (rows × n_0). */
  answer(inputs: Matrix<Float64Array>): Promise<SourceAnswers>;
}

/**
 * A source could not be reached or answered nonsense (the message says which and
 * why): 'unreachable' (network failure after retries, timeout, 5xx), 'rejected'
 * (the server refused the request, 4xx) or 'foreign' (not an rgdl server's answer).
 */
export class AnswerSourceError extends Error {
  override readonly name = 'AnswerSourceError';
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'rejected' | 'foreign' = 'unreachable',
  ) {
    super(message);
  }
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
  options: Omit<DefenceOptions, 'defence' | 'epsilon' | 'seed'> = {},
): AnswerSource {
  const service = createService(be, net, { ...options, defence, epsilon, seed });
  return {
    name: `local ${defenceLabel(defence, epsilon)}`,
    defence,
    epsilon,
    async answer(inputs) {
      const b = service.answer(inputs);
      return { labels: rowLabels(b.served), served: b.served, clean: b.clean };
    },
  };
}

/** What a prediction server says about itself (GET /v1/model); a client relies only on these fields. */
export type RemoteModelInfo = Pick<ServerModelInfo, 'widths' | 'defence' | 'epsilon' | 'batchLimit'> &
  Partial<ServerModelInfo>;

export interface HttpSourceOptions {
  /**
   * Retries of one request after a network failure (a reset, closed or refused
   * connection) or a 503 (overloaded or starting server); default 4. A prediction
   * is a pure function of its input, so repeating one is safe.
   */
  readonly retries?: number;
  /** Time limit of one attempt, ms (default 60,000); a timed-out attempt is not repeated. */
  readonly timeoutMs?: number;
  /** First back-off after a network failure, ms (default 100; doubled each retry). */
  readonly backoffMs?: number;
  /** Longest wait a 503's Retry-After may ask for, ms (default 30,000). */
  readonly maxRetryAfterMs?: number;
  /** Told before each retry (the CLI prints it with --debug). */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  readonly url: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly reason: string;
  readonly waitMs: number;
}

/** Network errors after which a request is repeated on a new connection. */
const RETRYABLE = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkReason(error: unknown): { code: string | undefined; message: string } {
  const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
  const code = cause?.code ?? (error as { code?: string }).code;
  return { code, message: cause instanceof Error ? cause.message : (error as Error).message };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One JSON request with bounded retries: network failures back off exponentially,
 * 503s wait for their Retry-After (bounded).
 * @throws AnswerSourceError 'unreachable' (network, timeout, 5xx), 'rejected' (4xx), 'foreign' (not JSON)
 */
async function requestJson<T>(url: string, init: RequestInit | undefined, options: HttpSourceOptions): Promise<T> {
  const retries = options.retries ?? 4;
  const backoff = options.backoffMs ?? 100;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
    } catch (error) {
      const { code, message } = networkReason(error);
      if (code !== undefined && RETRYABLE.has(code) && attempt < retries) {
        const waitMs = backoff * 2 ** attempt;
        options.onRetry?.({ url, attempt: attempt + 1, reason: `${message} (${code})`, waitMs });
        await sleep(waitMs);
        continue;
      }
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new AnswerSourceError(
        timedOut
          ? `${url} did not answer within ${options.timeoutMs ?? 60_000} ms`
          : `cannot reach ${url} (${message}${attempt > 0 ? `, after ${attempt} retries` : ''})`,
        'unreachable',
      );
    }
    const text = await res.text();
    if (res.status === 503 && attempt < retries) {
      const after = Number(res.headers.get('retry-after'));
      const waitMs = Math.min(
        options.maxRetryAfterMs ?? 30_000,
        Number.isFinite(after) && after >= 0 ? after * 1000 : 1000,
      );
      options.onRetry?.({ url, attempt: attempt + 1, reason: `503 ${text.slice(0, 120)}`, waitMs });
      await sleep(waitMs);
      continue;
    }
    if (!res.ok)
      throw new AnswerSourceError(
        `${url} answered ${res.status}: ${text.slice(0, 200)}`,
        res.status >= 500 ? 'unreachable' : 'rejected',
      );
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AnswerSourceError(`${url} did not answer JSON`, 'foreign');
    }
  }
}

/**
 * A running rgdl prediction server at `base` (e.g. http://127.0.0.1:8080), queried
 * through POST /v1/predict in batches within its limit. Requests that meet a
 * reset or closed connection (a keep-alive socket the server closed while this
 * process was busy), a refused connection or a 503 are repeated (options.retries).
 * @throws AnswerSourceError when it cannot be reached or is not an rgdl server.
 */
export async function httpSource(
  base: string,
  options: HttpSourceOptions = {},
): Promise<AnswerSource & { readonly info: RemoteModelInfo }> {
  const root = base.replace(/\/+$/, '');
  const info = await requestJson<RemoteModelInfo>(`${root}/v1/model`, undefined, options);
  if (!Array.isArray(info.widths) || typeof info.defence !== 'string') {
    throw new AnswerSourceError(`${root}/v1/model is not an rgdl server's answer`, 'foreign');
  }
  const batch = Math.min(64, info.batchLimit);
  return {
    name: `${root} ${defenceLabel(info.defence, info.epsilon)}`,
    defence: info.defence,
    epsilon: info.epsilon,
    info,
    async answer(inputs) {
      const rows = rowViews(inputs);
      const classes = info.widths[info.widths.length - 1]!;
      const labels: number[] = [];
      const served = matrix(inputs.rows, classes);
      for (let i = 0; i < rows.length; i += batch) {
        const body = JSON.stringify({ inputs: rows.slice(i, i + batch).map((x) => Array.from(x)) });
        const r = await requestJson<PredictResponse>(
          `${root}/v1/predict`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body },
          options,
        );
        const n = Math.min(batch, rows.length - i);
        if (r.labels?.length !== n || r.answers?.length !== n || r.answers.some((a) => a.length !== classes)) {
          throw new AnswerSourceError(`${root}/v1/predict did not answer ${n} rows of ${classes} classes`, 'foreign');
        }
        labels.push(...r.labels);
        r.answers.forEach((a, k) => served.data.set(a, (i + k) * classes));
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

export interface SeedResult {
  readonly seed: number;
  readonly cloneAccuracy: number;
  readonly cloneAgreement: number;
}

export interface SourceResult {
  readonly source: string;
  readonly defence: DefenceName;
  readonly epsilon: number;
  /**
   * Honest user on the test inputs: answers whose argmax is the clean label (known
   * in process, or from an undefended server attacked too; else null), and their accuracy.
   */
  readonly honestLabelKept: number | null;
  readonly honestAccuracy: number;
  /**
   * Mean ‖served − clean‖₁ on the test inputs; for servers, against the answers of
   * an undefended ('none') server when one is attacked too, else null.
   */
  readonly meanL1: number | null;
  readonly cloneAccuracy: Stat;
  /** Clone label = source label on the test inputs. */
  readonly cloneAgreement: Stat;
  readonly perSeed: readonly SeedResult[];
}

export interface Comparison {
  /** The arm compared with FIM: a defence, or 'labels-only' (the argmax attacker). */
  readonly against: DefenceName | 'labels-only';
  /** Paired clone-accuracy difference against − fim (positive: FIM's clone is worse), with its 95% interval. */
  readonly difference: PairedDifference;
}

export interface AttackResult {
  readonly attacker: CloneKind;
  readonly queries: number;
  readonly testExamples: number;
  readonly seeds: readonly number[];
  readonly sources: readonly SourceResult[];
  /** The labels-only attacker (argmax of the served answers of the first label-preserving source), per seed. */
  readonly labelsOnly: { readonly cloneAccuracy: Stat; readonly perSeed: readonly SeedResult[] } | null;
  readonly comparisons: readonly Comparison[];
  /**
   * Undefended soft clone − labels-only clone (paired): the most a label-preserving
   * defence can take from this attacker. Null without a 'none' source or labels-only run.
   */
  readonly labelsOnlyBound: PairedDifference | null;
  /**
   * Each defended source by its worst case: per seed the better of the soft
   * clone and (label-keeping sources, whose labels are the clean ones) the
   * labels-only clone, against the same for the undefended source; damage =
   * undefended worst − defended worst, paired. Empty without a 'none' source.
   */
  readonly worstCase: readonly {
    readonly defence: DefenceName;
    readonly accuracy: Stat;
    readonly damage: PairedDifference;
  }[];
  readonly verdict: string;
  /** The verdict in two plain sentences (worst case of FIM, and FIM against a random direction). */
  readonly summary: string;
  readonly seconds: number;
}

export interface AttackOptions {
  readonly sources: readonly AnswerSource[];
  readonly attacker: CloneKind;
  /** Victim widths (the eq14 clone copies the architecture). */
  readonly widths: readonly number[];
  /** The attacker's pool of inputs (rows × n_0); each seed draws `queries` of them. */
  readonly pool: Matrix<Float64Array>;
  readonly queries: number;
  readonly test: Matrix<Float64Array>;
  readonly testLabels: ArrayLike<number>;
  readonly seeds: readonly number[];
  /** Also run the labels-only attacker (default true). */
  readonly labelsOnly?: boolean;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Runs the attack on every source (and the labels-only attacker), compares the
 * 'fim' source with every other arm by paired differences, and writes a verdict
 * that states only what the intervals carry.
 * @throws RangeError when more queries are asked for than the pool holds.
 */
export async function runCloneAttack(be: Backend, options: AttackOptions): Promise<AttackResult> {
  const t0 = performance.now();
  if (options.queries > options.pool.rows) {
    throw new RangeError(`${options.queries} queries asked for, but the attacker has only ${options.pool.rows} inputs`);
  }
  const n = options.test.rows;
  const runLabels = options.labelsOnly !== false;
  const labelSourceIndex = options.sources.findIndex((s) => LABEL_PRESERVING.includes(s.defence));
  const total = (options.sources.length + (runLabels && labelSourceIndex >= 0 ? 1 : 0)) * options.seeds.length;
  let done = 0;
  const testAnswersAll: SourceAnswers[] = [];
  for (const source of options.sources) testAnswersAll.push(await source.answer(options.test));
  const noneIndex = options.sources.findIndex((s) => s.defence === 'none');
  const score = (pred: Matrix<Float64Array>, labels: readonly number[], seed: number): SeedResult => {
    return { seed, cloneAccuracy: accuracy(pred, options.testLabels), cloneAgreement: accuracy(pred, labels) };
  };
  const attack = (answers: Matrix<Float64Array>, seed: number, labelsOnly: boolean) =>
    attackOnce(
      be,
      labelsOnly ? `${options.attacker}-labels` : options.attacker,
      options.pool,
      answers,
      options.queries,
      seed,
      options.widths,
    ).predict(options.test);
  const sources: SourceResult[] = [];
  let labelsOnly: AttackResult['labelsOnly'] = null;
  for (const [k, source] of options.sources.entries()) {
    const poolAnswers = await source.answer(options.pool);
    const testAnswers = testAnswersAll[k]!;
    // defender cost against the clean answers, or against an undefended source's answers
    const referenceAnswers = testAnswers.clean ?? (noneIndex >= 0 ? testAnswersAll[noneIndex]!.served : undefined);
    const reference = referenceAnswers ? rowViews(referenceAnswers) : undefined;
    // the clean label: known in process, or the undefended server's label
    const cleanLabels = referenceAnswers ? rowLabels(referenceAnswers) : undefined;
    let kept = 0;
    let correct = 0;
    let l1 = 0;
    rowViews(testAnswers.served).forEach((s, r) => {
      if (cleanLabels !== undefined && argmax(s) === cleanLabels[r]) kept++;
      if (argmax(s) === options.testLabels[r]) correct++;
      if (reference) for (let j = 0; j < s.length; j++) l1 += Math.abs(s[j]! - reference[r]![j]!);
    });
    const perSeed = options.seeds.map((seed) => {
      const r = score(attack(poolAnswers.served, seed, false), testAnswers.labels, seed);
      options.onProgress?.(++done, total, `${source.name}, seed ${seed}`);
      return r;
    });
    sources.push({
      source: source.name,
      defence: source.defence,
      epsilon: source.epsilon,
      honestLabelKept: cleanLabels !== undefined ? kept / n : null,
      honestAccuracy: correct / n,
      meanL1: reference ? l1 / n : null,
      cloneAccuracy: stat(perSeed.map((s) => s.cloneAccuracy)),
      cloneAgreement: stat(perSeed.map((s) => s.cloneAgreement)),
      perSeed,
    });
    if (runLabels && k === labelSourceIndex) {
      // the argmax of the served answers: the clean labels, for any label-preserving source
      const seedsResult = options.seeds.map((seed) => {
        const r = score(attack(poolAnswers.served, seed, true), testAnswers.labels, seed);
        options.onProgress?.(++done, total, `labels-only attacker, seed ${seed}`);
        return r;
      });
      labelsOnly = { cloneAccuracy: stat(seedsResult.map((s) => s.cloneAccuracy)), perSeed: seedsResult };
    }
  }
  const accuracies = (r: { perSeed: readonly SeedResult[] }) => r.perSeed.map((s) => s.cloneAccuracy);
  const fim = sources.find((s) => s.defence === 'fim');
  const none = sources.find((s) => s.defence === 'none');
  const comparisons: Comparison[] = [];
  if (fim) {
    for (const other of sources) {
      if (other === fim) continue;
      comparisons.push({ against: other.defence, difference: pairedDifference(accuracies(other), accuracies(fim)) });
    }
    if (labelsOnly)
      comparisons.push({
        against: 'labels-only',
        difference: pairedDifference(accuracies(labelsOnly), accuracies(fim)),
      });
  }
  const labelsOnlyBound = none && labelsOnly ? pairedDifference(accuracies(none), accuracies(labelsOnly)) : null;
  // the attacker picks the better of its two clones where the labels-only one sees the clean labels
  const worstOf = (src: SourceResult) =>
    accuracies(src).map((a, k) =>
      labelsOnly && LABEL_PRESERVING.includes(src.defence) ? Math.max(a, labelsOnly.perSeed[k]!.cloneAccuracy) : a,
    );
  const worstCase: AttackResult['worstCase'] = none
    ? sources
        .filter((src) => src !== none)
        .map((src) => ({
          defence: src.defence,
          accuracy: stat(worstOf(src)),
          damage: pairedDifference(worstOf(none), worstOf(src)),
        }))
    : [];
  const verdict = writeVerdict(options, fim, comparisons, labelsOnlyBound, worstCase);
  const summary = plainSummary(fim, comparisons, worstCase);
  return {
    attacker: options.attacker,
    queries: options.queries,
    testExamples: n,
    seeds: options.seeds,
    sources,
    labelsOnly,
    comparisons,
    labelsOnlyBound,
    worstCase,
    verdict,
    summary,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** How the verdict names an arm: the defence's descriptor, or the labels-only attacker. */
const armName = (arm: DefenceName | 'labels-only'): string =>
  arm === 'labels-only' ? "an attacker who keeps only the served answers' argmax" : defenceDescriptor(arm).armName;

/** Two sentences a newcomer can read: what FIM did to the best clone, and whether a random direction did as much. */
function plainSummary(
  fim: SourceResult | undefined,
  comparisons: readonly Comparison[],
  worstCase: AttackResult['worstCase'],
): string {
  if (!fim) return 'No FIM-defended source was attacked.';
  const w = worstCase.find((x) => x.defence === fim.defence);
  const first =
    w === undefined
      ? 'Without an undefended source there is no damage to measure.'
      : w.damage.excludesZero && w.damage.mean > 0
        ? `The FIM poison made the best clone the attacker could train ${points(w.damage.mean)} points less accurate (95% CI ${points(w.damage.low)} to ${points(w.damage.high)}).`
        : 'The FIM poison made no measurable difference to the best clone the attacker could train.';
  const random = comparisons.find((c) => c.against === 'random-class');
  const kept =
    fim.honestLabelKept === null
      ? ''
      : ` Honest users kept their label on ${points(fim.honestLabelKept)}% of test inputs.`;
  const second =
    random === undefined
      ? kept.trim()
      : `${random.difference.excludesZero && random.difference.mean > 0 ? 'It hurt the clone more than a random direction of the same size did' : 'It did not hurt the clone measurably more than a random direction of the same size'}.${kept}`;
  return `${first}\n${second}`;
}

/** The verdict: every comparison with its interval; a claim only where the interval excludes 0. */
function writeVerdict(
  options: AttackOptions,
  fim: SourceResult | undefined,
  comparisons: readonly Comparison[],
  bound: PairedDifference | null,
  worstCase: AttackResult['worstCase'],
): string {
  const seeds = options.seeds.length;
  if (!fim) return 'no FIM-defended source was attacked, so there is nothing to compare';
  const lines = comparisons.map((c) => {
    const d = c.difference;
    // d = other − fim: positive when the FIM clone is the worse one
    const other =
      c.against === 'none'
        ? 'the undefended clone'
        : c.against === 'labels-only'
          ? "the labels-only clone (trained on the answers' argmax)"
          : `the clone under ${armName(c.against)}`;
    // what it means when the FIM clone is the worse (first) or the better (second) one
    const [worse, better] =
      c.against === 'none'
        ? ['the FIM poison cost the clone accuracy', 'the FIM poison helped the clone']
        : c.against === 'labels-only'
          ? ['keeping only the labels escapes the poison', 'the poisoned soft answers still help the attacker']
          : ['FIM protects more', 'FIM protects less'];
    const claim = !d.excludesZero
      ? `the FIM clone and ${other} are not distinguishable`
      : d.mean > 0
        ? `the FIM clone is worse than ${other}: ${worse}`
        : `the FIM clone is better than ${other}: ${better}`;
    return `${claim} (${other} minus the FIM clone: ${describeDifference(d)})`;
  });
  const random = comparisons.find((c) => c.against === 'random-class');
  const labels = comparisons.find((c) => c.against === 'labels-only');
  const conclusions: string[] = [];
  if (random) {
    conclusions.push(
      random.difference.excludesZero && random.difference.mean > 0
        ? 'The FIM direction hurt the clone more than a fixed random direction of the same size.'
        : 'These seeds do not show that the FIM direction hurts the clone more than a fixed random direction of the same size.',
    );
  }
  if (labels) {
    conclusions.push(
      labels.difference.excludesZero && labels.difference.mean > 0
        ? "An attacker who keeps only the argmax labels escapes the poison: that attacker's clone is better than the FIM clone."
        : labels.difference.excludesZero
          ? 'The FIM clone is better than a labels-only clone: the poisoned soft answers still help the attacker.'
          : 'The labels-only attacker and the FIM clone are not distinguishable.',
    );
  }
  if (bound) {
    conclusions.push(`Labels-only bound (undefended soft clone minus labels-only clone): ${describeBound(bound)}.`);
  }
  if (worstCase.length > 0) {
    conclusions.push(
      `Judged by the worst case (the better of the soft and, where the labels are kept, the labels-only clone) against the undefended worst case: ${worstCase
        .map(
          (w) =>
            `${w.defence} ${describeDifference(w.damage)}${w.damage.excludesZero ? '' : ' (not distinguishable from 0)'}`,
        )
        .join('; ')}.`,
    );
  }
  return `FIM poison (ε=${fim.epsilon}, ${options.attacker} attacker, ${seeds} paired seed${seeds === 1 ? '' : 's'}) — ${lines.join('; ')}. Honest users ${fim.honestLabelKept === null ? 'get ' : `keep their label on ${pts(fim.honestLabelKept)}% of test inputs (`}accuracy ${pts(fim.honestAccuracy)}%${fim.honestLabelKept === null ? '' : ')'}. ${conclusions.join(' ')}`.trim();
}
