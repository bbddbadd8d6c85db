import { describe, expect, it } from 'vitest';
import { assertEnumerable, ENUMERATION_LIMITS, enumerable } from './enumerable.js';

describe('enumerable', () => {
  it('allows every width up to the purpose limit and refuses one more, naming the purpose and the limit', () => {
    for (const [purpose, limit] of Object.entries(ENUMERATION_LIMITS) as [keyof typeof ENUMERATION_LIMITS, number][]) {
      expect(enumerable([1, limit, limit - 1], purpose)).toBe(true);
      expect(enumerable([1, limit + 1], purpose)).toBe(false);
      expect(enumerable(limit + 1, purpose)).toBe(false);
      expect(() => assertEnumerable([limit + 1, 2], purpose, 'f')).toThrow(
        new RegExp(`^f: exact enumeration of 2\\^${limit + 1} states exceeds the ${purpose} limit of 2\\^${limit}`),
      );
      expect(() => assertEnumerable(limit, purpose, 'f')).not.toThrow();
    }
  });
});
