/**
 * What a protected prediction server (`rgdl serve`) tells any client about
 * itself, typed once for the server, its clients (httpSource, the CLI) and the
 * playground page. None of it reveals the weights, the clean answers or what
 * the defence hides.
 */
import type { DefenceName } from './defences/registry.js';

/** GET /v1/model. */
export interface ServerModelInfo {
  readonly model: string;
  readonly widths: number[];
  readonly inputs: number;
  readonly classes: number;
  readonly defence: DefenceName;
  /** ε of the step defences, else 0. */
  readonly epsilon: number;
  /** The defence's strength, what it means, and its value; null for 'none' and 'top1'. */
  readonly strength: { readonly symbol: string; readonly meaning: string; readonly value: number } | null;
  readonly batchLimit: number;
  readonly bodyLimitBytes: number;
  readonly limits: { readonly maxQueue: number; readonly timeoutMs: number; readonly keepAliveTimeoutMs: number };
  /** The model file's metadata without file paths (data set name, training settings). */
  readonly metadata: Record<string, unknown>;
}

/** GET /v1/diagnosis (served with the page): aggregate figures, no weights, no directions. */
export interface ServerDiagnosis {
  /** λ₁ of F̃(e_c) per class (Monte Carlo, the server's seed). */
  readonly fisherTopEigenvalues: number[];
  /** Singular values of T̃(1) at y = e₀ (MCRG) and their jackknife errors. */
  readonly stability: {
    readonly singularValues: number[];
    readonly errors: number[];
    readonly rows: number;
    readonly cols: number;
    readonly samples: number;
  } | null;
  readonly seconds: number;
}

/** POST /v1/predict's answer. */
export interface PredictResponse {
  readonly model: string;
  readonly defence: DefenceName;
  /** ε of the step defences, else 0. */
  readonly epsilon: number;
  /** Label of each input: the argmax of the served answer (never the clean label). */
  readonly labels: number[];
  /** Served class probabilities, one row per input. */
  readonly answers: number[][];
}
