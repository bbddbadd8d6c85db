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
