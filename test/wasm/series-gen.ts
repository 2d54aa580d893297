// Seeded random series that cover the XOR format's corners: every delta-of-delta bucket and its edges,
// timestamps up to the int64 limits, and values whose bits matter (NaN payloads, -0, subnormals).

import { Prng } from '../helpers/prng.js';

export interface Series {
  name: string;
  timestamps: Float64Array;
  values: Float64Array;
}

export const STALE_NAN_BITS = 0x7ff0000000000002n;

/** Dods on and around each bucket's edges (an n-bit bucket holds -(2^(n-1) - 1) ..= 2^(n-1)). */
export const DOD_EDGES: readonly number[] = [14, 17, 20].flatMap((n) => {
  const e = 2 ** (n - 1);
  return [e - 1, e, e + 1, -(e - 2), -(e - 1), -e, -(e + 1)];
});

const TIMESTAMP_KINDS = ['regular', 'jittered', 'jumps', 'unordered', 'edges', 'near2^52', 'int64'] as const;
const VALUE_KINDS = ['counter', 'floats', 'constant', 'specials', 'randomBits', 'smallSteps', 'mixed'] as const;

/** Timestamps as exact integer f64 (any integer in [-2^63, 2^63) is allowed by the codec). */
export function randomTimestamps(rng: Prng, kind: (typeof TIMESTAMP_KINDS)[number], n: number): Float64Array {
  const ts = new Float64Array(n);
  let t = rng.int(-1e12, 2e12);
  let delta = rng.pick([1, 1000, 15000, 60000]);
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'regular':
        t += delta;
        break;
      case 'jittered':
        t += delta + rng.int(-3000, 3000);
        break;
      case 'jumps':
        t += rng.chance(0.1) ? rng.int(1, 2 ** 45) : delta;
        break;
      case 'unordered':
        t += rng.int(-1e6, 1e6) * (rng.chance(0.3) ? 0 : 1);
        break;
      case 'edges':
        delta += i % 2 === 0 ? rng.pick(DOD_EDGES) : rng.chance(0.5) ? 0 : -rng.pick(DOD_EDGES);
        t += delta;
        break;
      case 'near2^52':
        t = rng.pick([1, -1]) * 2 ** 52 + rng.int(-1e6, 1e6) * rng.pick([1, 1e3, 1e9]);
        break;
      case 'int64':
        // Exact integers anywhere in int64, including its ends: deltas and dods wrap around as in Go.
        t = rng.pick([-(2 ** 63), 2 ** 63 - 1024, 2 ** 62, -(2 ** 53), rng.int(-(2 ** 52), 2 ** 52) * 2048]);
        break;
    }
    ts[i] = t;
  }
  return ts;
}

export function randomValues(rng: Prng, kind: (typeof VALUE_KINDS)[number], n: number): Float64Array {
  const vs = new Float64Array(n);
  const bits = new BigUint64Array(vs.buffer);
  let v = rng.int(0, 1e6);
  for (let i = 0; i < n; i++) {
    switch (kind) {
      case 'counter':
        v += rng.chance(0.05) ? -v : rng.int(0, 1000);
        vs[i] = v;
        break;
      case 'floats':
        vs[i] = (rng.next() - 0.5) * 10 ** rng.int(-300, 300);
        break;
      case 'constant':
        vs[i] = rng.chance(0.97) ? v : v + 1;
        break;
      case 'specials':
        bits[i] = specialBits(rng);
        break;
      case 'randomBits':
        bits[i] = rng.u64();
        break;
      case 'smallSteps':
        // Flip a few low mantissa bits: XOR windows that are reused, narrowed and widened.
        bits[i] = i === 0 ? rng.u64() : bits[i - 1]! ^ (BigInt(rng.int(0, 255)) << BigInt(rng.int(0, 48)));
        break;
      case 'mixed':
        bits[i] = rng.chance(0.2) ? specialBits(rng) : rng.chance(0.5) ? rng.u64() : BigInt(rng.int(0, 2 ** 40));
        break;
    }
  }
  return vs;
}

function specialBits(rng: Prng): bigint {
  return rng.pick([
    STALE_NAN_BITS,
    0x7ff8000000000001n, // Go's NaN
    0x7ff8000000000000n, // JavaScript's NaN
    0xfff0000000000001n | (rng.u64() & 0x000fffffffffffffn), // negative NaN, random payload
    0x7ff0000000000000n, // +Inf
    0xfff0000000000000n, // -Inf
    0x8000000000000000n, // -0
    0n,
    1n, // smallest subnormal
    0x000fffffffffffffn, // largest subnormal
    rng.u64() & 0x800fffffffffffffn, // random subnormal of either sign
    0x7fefffffffffffffn, // largest finite
  ]);
}

/** A random series of `n` samples (n in [1, 400] unless given). */
export function randomSeries(rng: Prng, n = rng.pick([1, 2, 3, rng.int(4, 130), rng.int(4, 400)])): Series {
  const tKind = rng.pick(TIMESTAMP_KINDS);
  const vKind = rng.pick(VALUE_KINDS);
  return { name: `${tKind}/${vKind}/${n}`, timestamps: randomTimestamps(rng, tKind, n), values: randomValues(rng, vKind, n) };
}

/** The raw bits of values[0, length), for comparisons that must see NaN payloads. */
export function valueBits(values: Float64Array, length = values.length): BigUint64Array {
  return new BigUint64Array(values.slice(0, length).buffer);
}
