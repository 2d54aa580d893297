// Seeded property tests of the WASM XOR codec against the independent TypeScript reference, and its
// handling of hostile chunks.

import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../../src/tsdb/encoding/errors.js';
import { decodeXorChunk, decodeXorChunks, encodeXorChunk, type SampleColumns } from '../../src/wasm/index.js';
import { Prng } from '../helpers/prng.js';
import { referenceDecodeXor, referenceEncodeXor } from '../reference/xor-reference.js';
import { DOD_EDGES, STALE_NAN_BITS, randomSeries, valueBits } from './series-gen.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function floats(...bits: bigint[]): Float64Array {
  return new Float64Array(new BigUint64Array(bits).buffer);
}

describe('XOR encoding matches the worked examples of the spec', () => {
  it.each([
    { ts: [1000], vs: [1], chunk: '0001d00f3ff000000000000000' },
    { ts: [1000, 2000], vs: [1, 1], chunk: '0002d00f3ff0000000000000e80700' },
    { ts: [1000, 16000], vs: [1, 2], chunk: '0002d00f3ff00000000000009875c25fff' },
    { ts: [1000, 2000, 3000], vs: [1, 2, 3], chunk: '0003d00f3ff0000000000000e807c25fff6c06' },
    { ts: [0, 15000, 30010, 45010], vs: [10, 11, 12, 13], chunk: '00040040240000000000009875dc0e002b607effda20' },
    // The 17-byte chunk of `one 42 @1600000100000` seen in a promtool block.
    { ts: [1600000100000], vs: [42], chunk: '0001c09a80f7905d404500000000000000' },
  ])('$ts / $vs', ({ ts, vs, chunk }) => {
    const encoded = encodeXorChunk(new Float64Array(ts), new Float64Array(vs));
    expect(hex(encoded)).toBe(chunk);
    expect(Array.from(decodeXorChunk(encoded).timestamps)).toEqual(ts);
  });

  it('encodes no samples as the empty chunk 00 00', () => {
    const empty = encodeXorChunk(new Float64Array(0), new Float64Array(0));
    expect(hex(empty)).toBe('0000');
    expect(decodeXorChunk(empty).length).toBe(0);
  });
});

describe('seeded round trips', () => {
  const SEEDS = 400;
  it(`${SEEDS} random series: WASM and reference agree on bytes, both decode back bit for bit`, () => {
    const out: SampleColumns = { timestamps: new Float64Array(0), values: new Float64Array(0), length: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Prng(seed);
      const s = randomSeries(rng);
      const what = `seed ${seed} (${s.name})`;
      const chunk = encodeXorChunk(s.timestamps, s.values);
      expect(hex(chunk), what).toBe(hex(referenceEncodeXor(s.timestamps, s.values)));

      const decoded = decodeXorChunk(chunk, out);
      expect(decoded.length, what).toBe(s.timestamps.length);
      expect(decoded.timestamps.subarray(0, decoded.length), what).toEqual(s.timestamps);
      expect(valueBits(decoded.values, decoded.length), what).toEqual(valueBits(s.values));

      const reference = referenceDecodeXor(chunk);
      expect(reference.timestamps, what).toEqual(s.timestamps);
      expect(valueBits(reference.values), what).toEqual(valueBits(s.values));
    }
  });

  it('puts every delta-of-delta edge in the bucket Prometheus does', () => {
    // dod = e exactly: t = [0, 1000, 2000 + e]; prefix + payload bits per bucket.
    const dodBits = (dod: number): number => {
      if (dod === 0) return 1;
      const bucket = [14, 17, 20].findIndex((n) => dod >= -(2 ** (n - 1) - 1) && dod <= 2 ** (n - 1));
      return bucket < 0 ? 4 + 64 : [2 + 14, 3 + 17, 4 + 20][bucket]!;
    };
    for (const dod of [0, ...DOD_EDGES, 2 ** 40, -(2 ** 40)]) {
      const ts = new Float64Array([0, 1000, 2000 + dod]);
      const vs = new Float64Array(3);
      const chunk = encodeXorChunk(ts, vs);
      expect(hex(chunk), `dod ${dod}`).toBe(hex(referenceEncodeXor(ts, vs)));
      // Header, varint(0), value 0 and uvarint(1000) are 13 bytes; each later value is the bit '0'.
      expect(chunk.length, `dod ${dod}`).toBe(Math.ceil((13 * 8 + 1 + dodBits(dod) + 1) / 8));
      expect(decodeXorChunk(chunk).timestamps[2], `dod ${dod}`).toBe(2000 + dod);
    }
  });

  it('keeps NaN payloads, the stale marker, -0 and subnormals bit for bit', () => {
    const vs = floats(STALE_NAN_BITS, 0x7ff8000000000001n, 0xfff4000000000abcn, 0x8000000000000000n, 1n, STALE_NAN_BITS, 0n);
    const ts = new Float64Array([1, 2, 3, 4, 5, 6, 7]);
    const decoded = decodeXorChunk(encodeXorChunk(ts, vs));
    expect(valueBits(decoded.values)).toEqual(valueBits(vs));
  });

  it('encodes a sub-range of the input arrays', () => {
    const rng = new Prng(7);
    const s = randomSeries(rng, 200);
    expect(hex(encodeXorChunk(s.timestamps, s.values, 50, 170))).toBe(
      hex(encodeXorChunk(s.timestamps.slice(50, 170), s.values.slice(50, 170))),
    );
  });

  it('decodes many chunks at once into one set of columns', () => {
    const rng = new Prng(99);
    const series = Array.from({ length: 50 }, () => randomSeries(rng));
    const all = decodeXorChunks(series.map((s) => encodeXorChunk(s.timestamps, s.values)));
    let at = 0;
    series.forEach((s, i) => {
      expect(all.counts[i]).toBe(s.timestamps.length);
      expect(all.timestamps.subarray(at, at + s.timestamps.length)).toEqual(s.timestamps);
      expect(valueBits(all.values.subarray(at, at + s.values.length))).toEqual(valueBits(s.values));
      at += s.timestamps.length;
    });
    expect(all.length).toBe(at);
  });

  it('holds 65535 samples and refuses one more', () => {
    const n = 65535;
    const ts = Float64Array.from({ length: n + 1 }, (_, i) => i * 15000 + (i % 7));
    const vs = Float64Array.from({ length: n + 1 }, (_, i) => Math.sin(i));
    const chunk = encodeXorChunk(ts, vs, 0, n);
    expect(hex(chunk)).toBe(hex(referenceEncodeXor(ts, vs, 0, n)));
    const decoded = decodeXorChunk(chunk);
    expect(decoded.length).toBe(n);
    expect(decoded.timestamps).toEqual(ts.subarray(0, n));
    expect(() => encodeXorChunk(ts, vs)).toThrow(RangeError);
  });

  it('rejects timestamps that are not integers, and bad ranges', () => {
    for (const bad of [0.5, NaN, Infinity, -Infinity, 2 ** 64]) {
      expect(() => encodeXorChunk(new Float64Array([1, 2, bad]), new Float64Array(3)), String(bad)).toThrow(/index 2/);
    }
    expect(() => encodeXorChunk(new Float64Array(3), new Float64Array(2))).toThrow(RangeError);
    expect(() => encodeXorChunk(new Float64Array(3), new Float64Array(3), 2, 1)).toThrow(RangeError);
  });
});

describe('hostile chunks', () => {
  const rng = new Prng(2024);
  const good = Array.from({ length: 40 }, () => randomSeries(rng, rng.int(2, 200))).map((s) =>
    encodeXorChunk(s.timestamps, s.values),
  );

  function expectCorrupt(chunk: Uint8Array, pattern: RegExp): CorruptionError {
    let caught: unknown;
    try {
      decodeXorChunk(chunk, undefined, { file: 'chunks/000001', offset: 1234 });
    } catch (e) {
      caught = e;
    }
    expect(caught, hex(chunk.subarray(0, 16))).toBeInstanceOf(CorruptionError);
    const error = caught as CorruptionError;
    expect(error.message).toMatch(pattern);
    expect(error.file).toBe('chunks/000001');
    expect(error.offset).toBe(1234);
    return error;
  }

  it('empty and 1-byte input', () => {
    expectCorrupt(new Uint8Array(0), /shorter than its 2-byte header/);
    expectCorrupt(new Uint8Array([0]), /shorter than its 2-byte header/);
  });

  it('every truncation of real chunks', () => {
    for (const chunk of good) {
      const count = (chunk[0]! << 8) | chunk[1]!;
      // Dropping the empty trailing byte loses nothing; anything shorter than the samples' bits must fail.
      const needed = shortestDecodable(chunk);
      expect(needed).toBeGreaterThanOrEqual(chunk.length - 1);
      for (let length = 2; length < chunk.length; length++) {
        const cut = chunk.slice(0, length);
        if (length >= needed) {
          expect(decodeXorChunk(cut).length).toBe(count);
        } else {
          expectCorrupt(cut, new RegExp(`(ends inside sample \\d+ of|cannot hold) the ${count}`));
        }
      }
    }
  });

  it('a sample count larger than the bits hold, up to 0xFFFF', () => {
    for (const chunk of good) {
      const lying = chunk.slice();
      const count = (chunk[0]! << 8) | chunk[1]!;
      for (const claim of [count + 20, 0xffff]) {
        lying[0] = claim >> 8;
        lying[1] = claim & 0xff;
        expectCorrupt(lying, new RegExp(`(ends inside sample \\d+ of|cannot hold) the ${claim}`));
      }
      // One more sample may fit the padding bits ('0' dod, '0' value = 2 bits): decoders agree either way.
      lying[0] = (count + 1) >> 8;
      lying[1] = (count + 1) & 0xff;
      let reference: Float64Array | undefined;
      try {
        reference = referenceDecodeXor(lying).timestamps;
      } catch {
        expectCorrupt(lying, /ends inside sample|cannot hold/);
      }
      if (reference) expect(decodeXorChunk(lying).timestamps).toEqual(reference);
    }
    expectCorrupt(new Uint8Array([0xff, 0xff, 0x02]), /3 bytes cannot hold the 65535 samples/);
    // The bound is exact for the smallest samples: 1 varint byte + 64 value bits, then 1 byte + '0', then
    // '00' each. 14 bytes leave 15 bits after sample 1: 7 more samples.
    const smallest = Uint8Array.from([0, 9, 0, ...Array(8).fill(0), 0x01, 0, 0]);
    expect(decodeXorChunk(smallest).length).toBe(9);
    smallest[1] = 10;
    expectCorrupt(smallest, /14 bytes cannot hold the 10 samples/);
  });

  it('an overlong timestamp varint', () => {
    expectCorrupt(Uint8Array.from([0, 1, ...Array(10).fill(0xff), 0x01, ...Array(9).fill(0)]), /varint of sample 0 overflows/);
    expectCorrupt(Uint8Array.from([0, 1, ...Array(9).fill(0x80), 0x02, ...Array(9).fill(0)]), /varint of sample 0 overflows/);
    // The largest legal 10-byte varint is fine.
    expect(decodeXorChunk(Uint8Array.from([0, 1, ...Array(9).fill(0xff), 0x01, ...Array(9).fill(0)])).length).toBe(1);
  });

  it('an XOR window wider than 64 bits', () => {
    // Sample 1 value: '11', leading 31, width 40 -> 71 bits.
    const chunk = Uint8Array.from([0, 2, 0, ...Array(8).fill(0), 0x01, 0b11_11111_1, 0b01000_000, 0, 0, 0, 0, 0, 0]);
    expectCorrupt(chunk, /sample 1 declares an XOR window of more than 64 bits/);
  });

  it('random garbage either decodes or throws a CorruptionError, never anything else', () => {
    const fuzz = new Prng(77);
    let corrupt = 0;
    for (let i = 0; i < 3000; i++) {
      const source = fuzz.pick(good);
      const bytes = fuzz.chance(0.3) ? fuzz.bytes(fuzz.int(0, 64)) : source.slice();
      for (let flips = fuzz.int(1, 4); flips > 0 && bytes.length > 0; flips--) bytes[fuzz.int(0, bytes.length - 1)]! ^= 1 << fuzz.int(0, 7);
      try {
        const decoded = decodeXorChunk(bytes);
        expect(decoded.length).toBe((bytes[0]! << 8) | bytes[1]!);
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptionError);
        corrupt++;
      }
    }
    expect(corrupt).toBeGreaterThan(100);
  });

  it('names the failing chunk when decoding many', () => {
    const chunks = [good[0]!, good[1]!.slice(0, 5), good[2]!];
    expect(() => decodeXorChunks(chunks, undefined, { file: 'seg', offsets: [8, 100, 200] })).toThrow(
      /^seg at offset 100: XOR chunk of 5 bytes cannot hold the \d+ samples/,
    );
    // A failure found inside the decoder (not by the header check) names its chunk too.
    const badWindow = Uint8Array.from([0, 2, 0, ...Array(8).fill(0), 0x01, 0b11_11111_1, 0b01000_000, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeXorChunks([good[0]!, good[1]!, badWindow], undefined, { file: 'seg', offsets: [8, 100, 200] })).toThrow(
      /^seg at offset 200: XOR chunk: sample 1 declares an XOR window of more than 64 bits/,
    );
  });
});

/** The shortest prefix of a chunk that the reference decoder reads all samples from (binary search). */
function shortestDecodable(chunk: Uint8Array): number {
  let lo = 2;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    try {
      referenceDecodeXor(chunk.subarray(0, mid));
      hi = mid;
    } catch {
      lo = mid + 1;
    }
  }
  return lo;
}
