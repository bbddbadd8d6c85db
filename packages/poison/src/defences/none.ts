/** 'none': the clean answer ŷ, the undefended reference every arm is compared with. */
import { defineDefence } from './defence.js';

export const none = defineDefence({
  name: 'none',
  order: 0,
  summary: 'the clean answer ŷ',
  armName: 'no defence',
  keepsLabel: true,
  randomised: false,
  strength: null,
  strengthOptions: () => ({}),
  needs: [],
  create: () => ({ answer: (y) => ({ served: y }) }),
});
