/** Messages between the page and its two Web Workers (answers and diagnosis). */
import { DEFENCE_REGISTRY, type ClassDirections, type DefenceName } from '@rgdl/poison';

/**
 * The defences the page serves side by side: every registered defence that needs
 * nothing the page lacks (adaptive misinformation needs the defender's training
 * data), with 'random-query' and 'mad' left out (they look like 'random-class'
 * and 'mad-argmax' for one input).
 */
export const PAGE_DEFENCES: readonly DefenceName[] = DEFENCE_REGISTRY.filter(
  (d) => !d.needs.includes('reference') && d.name !== 'random-query' && d.name !== 'mad',
).map((d) => d.name);

/** Defences that need the per-class FIM (the diagnosis worker computes it). */
export const FIM_DEFENCES: readonly DefenceName[] = DEFENCE_REGISTRY.filter((d) =>
  d.needs.includes('class-directions'),
).map((d) => d.name);

export interface ServiceSettings {
  /** ‖δy‖₂ of the step defences. */
  readonly epsilon: number;
  /** The defender's seed (as `rgdl serve --seed`). */
  readonly seed: number;
}

export type AnswerRequest =
  | { readonly type: 'load'; readonly modelText: string; readonly settings: ServiceSettings }
  | { readonly type: 'directions'; readonly directions: ClassDirections }
  | { readonly type: 'classify'; readonly id: number; readonly input: Float64Array }
  | { readonly type: 'bench'; readonly sizes: readonly number[] };

export interface DefenceAnswer {
  readonly defence: DefenceName;
  readonly label: number;
  readonly answer: number[];
}

export interface BackendInfo {
  readonly name: string;
  readonly mode: string;
  readonly precision: string;
  readonly sharedMemory: boolean;
  readonly fallbackReason?: string;
}

export interface GemmTiming {
  readonly n: number;
  readonly seconds: number;
  readonly gflops: number;
}

export type AnswerReply =
  | {
      readonly type: 'loaded';
      readonly widths: number[];
      readonly metadata: Record<string, unknown>;
      readonly backend: BackendInfo;
    }
  | {
      readonly type: 'answers';
      readonly id: number;
      readonly answers: DefenceAnswer[];
      /** Defences not answered yet (the FIM ones before the diagnosis is done). */
      readonly pending: DefenceName[];
      readonly seconds: number;
    }
  | { readonly type: 'bench'; readonly f64: GemmTiming[]; readonly f32: GemmTiming[] }
  | { readonly type: 'error'; readonly message: string };

export type DiagnosisRequest = {
  readonly type: 'diagnose';
  readonly modelText: string;
  readonly settings: ServiceSettings;
};

export type DiagnosisReply =
  | { readonly type: 'progress'; readonly stage: string }
  | {
      readonly type: 'fisher';
      readonly directions: ClassDirections;
      readonly seconds: number;
    }
  | {
      readonly type: 'stability';
      /** Singular values of T̃(1) at y = e_0 (MCRG) and their jackknife errors. */
      readonly singularValues: number[];
      readonly errors: number[];
      readonly rows: number;
      readonly cols: number;
      readonly samples: number;
      readonly seconds: number;
    }
  | { readonly type: 'error'; readonly message: string };
