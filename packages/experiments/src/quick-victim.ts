/**
 * The victim the surrogate, ownership and detection experiments attack: the
 * quick grid's depth-2 recipe victim [196, 64, 10] and its data splits,
 * trained as the grid trains it (no FIM cache: none of them needs one).
 */
import { seedFor, type Backend } from '@rgdl/gpu-kernels';
import {
  createService,
  fairTestData,
  fairVictim,
  type FairTestConfig,
  type FairTestData,
  type FairVictim,
  type PredictionService,
} from '@rgdl/poison';
import type { DeepRbm } from '@rgdl/rbm';
import { FAIR_QUICK } from './presets.js';

const CONFIG: FairTestConfig = { ...FAIR_QUICK, arms: [{ defence: 'none', strengths: [0] }], attackers: ['softmax'] };

/** The quick grid's data splits alone (deterministic: the same every call). */
export function quickGridData(): FairTestData {
  return fairTestData(CONFIG);
}

export function quickGridVictim(be: Backend): { readonly data: FairTestData; readonly victim: FairVictim } {
  const data = quickGridData();
  return { data, victim: fairVictim(be, CONFIG, data, 2) };
}

/**
 * The victim served undefended with its data: trained here, or (a job that
 * takes its setup job's model) the given net with the same data splits.
 */
export function servedQuickVictim(
  be: Backend,
  net?: DeepRbm,
): {
  readonly data: FairTestData;
  readonly victim: FairVictim | undefined;
  readonly net: DeepRbm;
  readonly service: PredictionService;
} {
  const built = net === undefined ? quickGridVictim(be) : { data: quickGridData(), victim: undefined };
  const victimNet = net ?? built.victim!.net;
  return {
    data: built.data,
    victim: built.victim,
    net: victimNet,
    service: createService(be, victimNet, { defence: 'none', seed: seedFor('clean-service') }),
  };
}
