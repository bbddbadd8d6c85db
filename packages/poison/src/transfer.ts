/**
 * The attack poisoning is meant to foil ([8], paper §I): adversarial inputs built
 * from the *clone's* classification FIM (top eigenvector, step of norm ε,
 * clipped to [0, 1]) and transferred to the victim. Compared with a random
 * direction of the same norm, on the same inputs.
 */
import { rngFor, createRng, fromRows, rowViews, type Backend, type Matrix } from '@rgdl/gpu-kernels';
import { adversarialPerturbation, type FisherOptions } from '@rgdl/fisher';
import { accuracy, classProbabilitiesAuto, type DeepRbm } from '@rgdl/rbm';

export interface TransferResult {
  readonly inputs: number;
  /** Victim accuracy on the clean inputs. */
  readonly victimClean: number;
  /** Victim accuracy on the clone-FIM adversarial inputs. */
  readonly victimAdversarial: number;
  /** Victim accuracy on inputs moved by a random direction of the same norm. */
  readonly victimRandom: number;
}

export function transferAttack(
  be: Backend,
  victim: DeepRbm,
  clone: DeepRbm,
  inputMatrix: Matrix<Float64Array>,
  labels: ArrayLike<number>,
  epsilon: number,
  options: Partial<FisherOptions> = {},
): TransferResult {
  const n0 = inputMatrix.cols;
  const inputs = rowViews(inputMatrix);
  const adv: Float64Array[] = [];
  const rnd: Float64Array[] = [];
  const rng = rngFor('transfer-inputs');
  inputs.forEach((x, i) => {
    const r = adversarialPerturbation(be, clone, x, epsilon, {
      method: 'monte-carlo',
      pool: 512,
      batches: 2,
      rng: rngFor('transfer-fisher', i),
      ...options,
    } as FisherOptions);
    adv.push(r.perturbed);
    const g = Float64Array.from({ length: n0 }, () => rng.nextGaussian());
    const norm = Math.hypot(...g);
    rnd.push(x.map((v, j) => Math.min(1, Math.max(0, v + (epsilon * g[j]!) / norm))));
  });
  const acc = (rows: readonly Float64Array[]) => {
    return accuracy(
      classProbabilitiesAuto(be, victim, fromRows(rows), { samples: 32, rng: rngFor('victim-accuracy') }),
      labels,
    );
  };
  return { inputs: inputs.length, victimClean: acc(inputs), victimAdversarial: acc(adv), victimRandom: acc(rnd) };
}
