export interface CloseOptions {
  /** relative tolerance (default 1e-9) */
  rtol?: number;
  /** absolute tolerance (default 1e-12) */
  atol?: number;
  /** treat NaN as equal to NaN (default false) */
  equalNan?: boolean;
  /** prefix for the failure message */
  label?: string;
  maxReport?: number;
}
export interface CloseResult {
  ok: boolean;
  count: number;
  worst: number;
  worstIndex: number;
  message: string;
}
export declare function compareAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options?: CloseOptions,
): CloseResult;
/** Fails unless |actual − expected| ≤ atol + rtol·|expected| element-wise. */
export declare function expectAllClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  options?: CloseOptions,
): void;
