/** The test digits shipped with the page (public/digits.json). */
export interface DigitsDocument {
  readonly source: string;
  /** Image side: each row string holds side² characters '0' or '1', row-major. */
  readonly side: number;
  readonly labels: number[];
  readonly rows: string[];
}

/** Pixel values (0 or 1) of digit `i`. */
export function digitPixels(doc: DigitsDocument, i: number): Float64Array {
  const row = doc.rows[i];
  if (row === undefined) throw new RangeError(`digit ${i} is not among the ${doc.rows.length} shipped`);
  return Float64Array.from(row, (c) => (c === '1' ? 1 : 0));
}
