/**
 * What a server does for a client with an alarm (`--on-alarm`):
 *  - 'log': answers as usual (the alarm is logged and counted);
 *  - 'throttle': one batch per `throttleMs` per client, others 429 with Retry-After;
 *  - 'misinform': answers carry a keyed wrong label, the same for the same
 *    input (so asking twice and averaging does not undo it), chosen by the
 *    HMAC of the quantised input under a server secret that never leaves it:
 *    label (ŷ's argmax + s(x)) mod K, s ∈ {1 … K − 1}, answer 0.9 on it and
 *    the rest spread evenly;
 *  - 'refuse': 403.
 */
import { matrix, type Matrix } from '@rgdl/gpu-kernels';
import { argmax } from '../constrain.js';
import { triggerOf, type WatermarkKey } from '../watermark.js';

export const ALARM_POLICIES = ['log', 'throttle', 'misinform', 'refuse'] as const;
export type AlarmPolicy = (typeof ALARM_POLICIES)[number];

/** The misinformed answers to an alarmed client's batch (clean: the model's answers, never served). */
export function misinformAnswers(secret: WatermarkKey, inputs: Matrix<Float64Array>, clean: Matrix<Float64Array>) {
  const K = clean.cols;
  const out = matrix(clean.rows, K);
  for (let r = 0; r < clean.rows; r++) {
    const { shift } = triggerOf(secret, inputs.data.subarray(r * inputs.cols, (r + 1) * inputs.cols), K);
    const label = (argmax(clean.data.subarray(r * K, (r + 1) * K)) + shift) % K;
    for (let c = 0; c < K; c++) out.data[r * K + c] = c === label ? 0.9 : 0.1 / (K - 1);
  }
  return out;
}
