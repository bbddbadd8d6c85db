/** A mistake by the user (bad flag, value or path): reported in one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A computation produced non-finite or collapsed numbers: reported in one line naming the quantity, exit code 3. */
export class NumericalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumericalError';
  }
}

/** A server could not be reached or stopped answering (after the client's retries): one line, exit code 4. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/**
 * Stops the command (exit 3, nothing written) when `values` hold a non-finite
 * number, naming the quantity and the first bad index.
 * @throws NumericalError
 */
export function requireFinite(
  what: string,
  values: ArrayLike<number> | number,
  consequence = 'nothing was written',
): void {
  const list = typeof values === 'number' ? [values] : values;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!;
    if (!Number.isFinite(v)) {
      throw new NumericalError(
        `${what} is not finite (${v}${typeof values === 'number' ? '' : ` at index ${i}`}); ${consequence}`,
      );
    }
  }
}
