/**
 * The victim the in-process experiments (surrogate curves, ownership) attack:
 * the quick grid's depth-2 recipe victim [196, 64, 10] and its data splits,
 * trained as the grid trains it (no FIM cache: neither experiment needs one).
 */
import type { Backend } from '@rgdl/gpu-kernels';
import { fairTestData, fairVictim, type FairTestConfig, type FairTestData, type FairVictim } from '@rgdl/poison';
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
