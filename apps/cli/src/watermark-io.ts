/**
 * The watermark's files: the owner's key (rgdl-watermark-key JSON, read as a
 * regular file of at most 8 MiB, its secret never echoed: the linear
 * fingerprint's feature map, 16 components of 784 inputs, is about 300 KB) and the evidence a
 * server keeps (JSON lines {"input": [x₁ … x_n₀], "label": c}, one per input
 * answered with a keyed wrong label, appended as they are served).
 */
import { appendFileSync } from 'node:fs';
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { parseWatermarkKey, type TriggerSet, type WatermarkKey } from '@rgdl/poison';
import { readUserText, UsageError } from '@rgdl/experiments';

const KEY_FILE_LIMIT = 8 << 20;
const EVIDENCE_FILE_LIMIT = 64 << 20;

/** @throws UsageError for a missing, irregular or invalid key file */
export function readWatermarkKey(path: string): WatermarkKey {
  try {
    return parseWatermarkKey(readUserText(path, KEY_FILE_LIMIT, 'watermark key file'));
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Appends triggers to an evidence file (created if absent). */
export function appendEvidence(path: string, inputs: Matrix<Float64Array>, labels: readonly number[]): void {
  const lines = labels.map(
    (label, r) =>
      `${JSON.stringify({ input: Array.from(inputs.data.subarray(r * inputs.cols, (r + 1) * inputs.cols)), label })}\n`,
  );
  appendFileSync(path, lines.join(''), { mode: 0o600 });
}

/** @throws UsageError naming the line (from 1) of a malformed record */
export function readEvidence(path: string, n0: number, classes: number): TriggerSet {
  const text = readUserText(path, EVIDENCE_FILE_LIMIT, 'evidence file');
  const rows: number[][] = [];
  const labels: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: { input?: unknown; label?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      throw new UsageError(`${path}, line ${i + 1}: not JSON`);
    }
    const input = o?.input;
    if (
      !Array.isArray(input) ||
      input.length !== n0 ||
      !input.every((v) => typeof v === 'number' && v >= 0 && v <= 1)
    ) {
      throw new UsageError(`${path}, line ${i + 1}: "input" is not ${n0} numbers in [0, 1]`);
    }
    if (!Number.isInteger(o.label) || (o.label as number) < 0 || (o.label as number) >= classes) {
      throw new UsageError(`${path}, line ${i + 1}: "label" is not a class 0…${classes - 1}`);
    }
    rows.push(input as number[]);
    labels.push(o.label as number);
  });
  const inputs = matrix(rows.length, n0);
  rows.forEach((r, i) => inputs.data.set(r, i * n0));
  return { inputs, labels };
}
