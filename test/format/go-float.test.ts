import { describe, expect, it } from 'vitest';
import { formatGoFloat } from '../../src/format/go-float.js';
import { Prng } from '../helpers/prng.js';

/**
 * An obviously-right (and slow) %g from the definition: take the exact decimal value of the double
 * (BigInt arithmetic), and for p = 1, 2, ... digits try the two p-digit decimals around it; the first p
 * for which one reads back to the same double wins, the closer of the two if both do, the even one on a
 * tie (as both Go and JavaScript choose). Then apply Go's layout rule: exponent form when the decimal
 * exponent is < -4 or >= 6, with at least two exponent digits.
 */
function referenceGoG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  const { digits: exact, scale } = exactDecimal(abs); // abs = exact / 10^scale
  const length = exact.toString().length;
  let best: { c: bigint; shift: number } | undefined;
  for (let p = 1; !best; p++) {
    if (p >= length) {
      best = { c: exact, shift: -scale };
      break;
    }
    const unit = 10n ** BigInt(length - p);
    const q = exact / unit;
    const r = exact % unit;
    const shift = length - p - scale; // candidate c stands for c * 10^shift
    const roundTrips = (c: bigint): boolean => Number(`${c}e${shift}`) === abs;
    const down = roundTrips(q);
    const up = roundTrips(q + 1n);
    if (down && up) {
      const dDown = r;
      const dUp = unit - r;
      const c = dDown < dUp ? q : dUp < dDown ? q + 1n : q % 2n === 0n ? q : q + 1n;
      best = { c, shift };
    } else if (down) best = { c: q, shift };
    else if (up) best = { c: q + 1n, shift };
  }
  let text = best.c.toString();
  let shift = best.shift;
  while (text.length > 1 && text.endsWith('0')) {
    text = text.slice(0, -1);
    shift++;
  }
  const exp = text.length - 1 + shift;
  const sign = v < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const m = text.length > 1 ? `${text[0]}.${text.slice(1)}` : text;
    const e = Math.abs(exp);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${text}`;
  const intLen = exp + 1;
  if (text.length <= intLen) return sign + text + '0'.repeat(intLen - text.length);
  return `${sign}${text.slice(0, intLen)}.${text.slice(intLen)}`;
}

/** A positive finite double as digits / 10^scale, exactly. */
function exactDecimal(v: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: -exp2 };
}

function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getFloat64(0);
}

describe('formatGoFloat (Go %g)', () => {
  it.each([
    [1e6, '1e+06'],
    [4.37729636956843e14, '4.37729636956843e+14'],
    [1e-5, '1e-05'],
    [1e-4, '0.0001'],
    [5e-324, '5e-324'],
    [123456789012345678901234567890, '1.2345678901234568e+29'],
    [-0, '-0'],
    [0, '0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [999999.9999999999, '999999.9999999999'],
    [0.30000000000000004, '0.30000000000000004'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    [2.2250738585072014e-308, '2.2250738585072014e-308'],
    [1e21, '1e+21'],
    [1e-7, '1e-07'],
    [9007199254740993, '9.007199254740992e+15'],
    [-0.25, '-0.25'],
    [0.03, '0.03'],
    [1500, '1500'],
    [1e308, '1e+308'],
    [6.02214076e23, '6.02214076e+23'],
    [0.00009999999999999999, '9.999999999999999e-05'],
    [-177876175056122.12, '-1.7787617505612212e+14'], // exactly halfway between two 17-digit decimals: the even one
  ])('%s → %s', (v, expected) => {
    expect(formatGoFloat(v)).toBe(expected);
    expect(referenceGoG(v)).toBe(expected);
  });

  it('keeps the sign of every NaN-free special case and prints any NaN payload as NaN', () => {
    expect(formatGoFloat(fromBits(0x7ff00000, 2))).toBe('NaN'); // staleness marker
    expect(formatGoFloat(fromBits(0xfff80000, 1))).toBe('NaN');
  });

  it('agrees with the reference on 100,000 seeded doubles of every magnitude', () => {
    const rng = new Prng(20230614);
    for (let n = 0; n < 100_000; n++) {
      let v: number;
      switch (n % 4) {
        case 0: // raw bit patterns: every exponent, subnormals included
          v = fromBits(rng.nextU32(), rng.nextU32());
          break;
        case 1: // around the switch points 1e-4 and 1e6 and powers of ten
          v = 10 ** rng.int(-8, 10) * (1 + (rng.next() - 0.5) * 1e-12);
          break;
        case 2: // short decimals
          v = rng.int(-1e6, 1e6) / 10 ** rng.int(0, 9);
          break;
        default: // integers up to and past 2^53
          v = rng.int(-(2 ** 53), 2 ** 53) * 2 ** rng.int(0, 20);
      }
      if (Number.isNaN(v)) continue;
      const got = formatGoFloat(v);
      if (got !== referenceGoG(v)) expect.fail(`seed 20230614 case ${n}: ${v} → ${got}, reference ${referenceGoG(v)}`);
    }
  });
});
