/**
 * Seeded pseudo-random numbers for property tests and fuzzing: the same seed always gives the same sequence,
 * so a failing case can be replayed from the seed printed in the test name.
 */

/** A deterministic random source (mulberry32: 32-bit state, full period, good enough for test inputs). */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** An integer in [min, max] (inclusive); both bounds must be safe integers less than 2^53 apart. */
  int(min: number, max: number): number {
    const span = max - min + 1;
    // 53 random bits so spans wider than 2^32 are still uniform.
    const r = (this.nextU32() >>> 5) * 0x4000000 + (this.nextU32() >>> 6);
    return min + Math.floor((r / 2 ** 53) * span);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** A random 64-bit pattern as a BigInt in [0, 2^64). */
  u64(): bigint {
    return (BigInt(this.nextU32()) << 32n) | BigInt(this.nextU32());
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextU32() & 0xff;
    return out;
  }
}
