/** 'top1': the one-hot label, nothing more. */
import { argmax } from '../constrain.js';
import { defineDefence } from './defence.js';

export const top1 = defineDefence({
  name: 'top1',
  order: 12,
  summary: 'the one-hot label of ŷ',
  armName: 'top-1 labels',
  keepsLabel: true,
  randomised: false,
  strength: null,
  strengthOptions: () => ({}),
  needs: [],
  create: () => ({
    answer(y) {
      const k = argmax(y);
      return { served: y.map((_, j) => (j === k ? 1 : 0)) };
    },
  }),
});
