// Element-wise closeness in the style of mathjs `nearlyEqual` / numpy `allclose`:
//   |a - e| <= atol + rtol * |e|
// NaN matches NaN only when `equalNan` is set; ±Infinity must match exactly.

/**
 * @param {ArrayLike<number>} actual
 * @param {ArrayLike<number>} expected
 * @param {{ rtol?: number, atol?: number, equalNan?: boolean, maxReport?: number }} [options]
 * @returns {{ ok: boolean, count: number, worst: number, worstIndex: number, message: string }}
 */
export function compareAllClose(actual, expected, options = {}) {
  const rtol = options.rtol ?? 1e-9;
  const atol = options.atol ?? 1e-12;
  const equalNan = options.equalNan ?? false;
  const maxReport = options.maxReport ?? 5;
  if (actual.length !== expected.length) {
    return {
      ok: false,
      count: -1,
      worst: Infinity,
      worstIndex: -1,
      message: `length mismatch: actual ${actual.length} vs expected ${expected.length}`,
    };
  }
  let count = 0;
  let worst = 0;
  let worstIndex = -1;
  const lines = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let bad;
    let excess = 0;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      bad = !(equalNan && Number.isNaN(a) && Number.isNaN(e));
      excess = bad ? Infinity : 0;
    } else if (!Number.isFinite(a) || !Number.isFinite(e)) {
      bad = a !== e;
      excess = bad ? Infinity : 0;
    } else {
      const tol = atol + rtol * Math.abs(e);
      const diff = Math.abs(a - e);
      bad = diff > tol;
      excess = diff / (tol || Number.MIN_VALUE);
    }
    if (bad) {
      count++;
      if (lines.length < maxReport) lines.push(`  [${i}] actual ${a} expected ${e} (|diff| ${Math.abs(a - e)})`);
    }
    if (excess > worst) {
      worst = excess;
      worstIndex = i;
    }
  }
  const message =
    count === 0
      ? `all ${actual.length} close (worst ratio diff/tol = ${worst.toPrecision(3)})`
      : `${count} of ${actual.length} elements not close (rtol=${rtol}, atol=${atol}):\n${lines.join('\n')}`;
  return { ok: count === 0, count, worst, worstIndex, message };
}

/**
 * Throws (failing the test) unless every element satisfies |a - e| <= atol + rtol·|e|.
 * @param {ArrayLike<number> | number} actual
 * @param {ArrayLike<number> | number} expected
 * @param {{ rtol?: number, atol?: number, equalNan?: boolean, label?: string }} [options]
 */
export function expectAllClose(actual, expected, options = {}) {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  const result = compareAllClose(a, e, options);
  if (!result.ok) {
    const prefix = options.label ? `${options.label}: ` : '';
    throw new Error(`${prefix}expectAllClose failed — ${result.message}`);
  }
}
