import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * A seeded stream of random numbers. Every random choice in rgdl takes one of
 * these explicitly; nothing reads a global, unseeded generator.
 */
export interface Rng {
  /** Uniform integer in [0, 2³²). */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform double in [0, 1) with 32 random bits (one generator step; for Bernoulli draws). */
  nextFloat32(): number;
  /** Standard normal deviate (Box–Muller, cached pair). */
  nextGaussian(): number;
  /**
   * An independent stream (xoroshiro128+ jump: 2⁶⁴ draws ahead) for parallel or
   * per-batch work; this stream also advances, so forks are reproducible.
   */
  fork(): Rng;
}

class XoroshiroRng implements Rng {
  #spare: number | undefined;
  constructor(private readonly gen: JumpableRandomGenerator) {}

  nextUint32(): number {
    return this.gen.next() >>> 0;
  }

  nextFloat(): number {
    const hi = this.gen.next() >>> 5; // 27 bits
    const lo = this.gen.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextFloat32(): number {
    return (this.gen.next() >>> 0) / 4294967296;
  }

  nextGaussian(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fork(): Rng {
    const child = this.gen.clone() as JumpableRandomGenerator;
    child.jump();
    // advance the parent past the child's stream start so repeated forks differ
    this.gen.jump();
    this.gen.jump();
    return new XoroshiroRng(child);
  }
}

/**
 * Creates the seeded generator used throughout rgdl (xoroshiro128+ from pure-rand).
 * @throws RangeError if `seed` is not a finite integer.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return new XoroshiroRng(xoroshiro128plus((seed | 0) ^ (Math.floor(seed / 4294967296) | 0)));
}
