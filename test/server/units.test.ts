import { describe, expect, it } from 'vitest';
import { parseBytes } from '../../src/server/units.js';
import { Prng } from '../helpers/prng.js';

describe('parseBytes (kingpin BytesVar, base 2)', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['1B', 1],
    ['512MB', 512 * 2 ** 20],
    ['512MiB', 512 * 2 ** 20],
    ['1KB', 1024],
    ['1KiB', 1024],
    ['1.5GB', 1.5 * 2 ** 30],
    ['.5KB', 512],
    ['1.KB', 1024],
    ['1GB512MB', 2 ** 30 + 512 * 2 ** 20],
    ['2TB', 2 * 2 ** 40],
    ['1PB', 2 ** 50],
    ['1EB', 2 ** 60],
    ['+3B', 3],
    ['-1KB', -1024],
    ['1.0001KB', 1024], // truncated like Go's int64 conversion
  ])('%s = %d', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it.each([
    ['', 'units: invalid '],
    ['12', 'units: unknown unit  in 12'],
    ['1kB', 'units: unknown unit kB in 1kB'],
    ['1mb', 'units: unknown unit mb in 1mb'],
    ['1KiB1KB', 'units: unknown unit KiB in 1KiB1KB'],
    ['MB', 'units: invalid MB'],
    ['.MB', 'units: invalid .MB'],
    ['1..5MB', 'units: unknown unit  in 1..5MB'],
    ['8EB', 'units: overflow parsing unit'],
    ['9999999999999999999B', 'units: invalid 9999999999999999999B'],
  ])('%j is rejected: %s', (text, message) => {
    expect(() => parseBytes(text)).toThrow(message);
  });

  it('throws only Errors with a units: message on random input (seed 99)', () => {
    const prng = new Prng(99);
    const alphabet = ['0', '1', '9', '.', '-', '+', 'B', 'K', 'M', 'G', 'i', 'E', 'k', ' '];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = prng.int(0, 8); n > 0; n--) text += prng.pick(alphabet);
      try {
        expect(Number.isInteger(parseBytes(text))).toBe(true);
      } catch (err) {
        expect((err as Error).message.startsWith('units: ')).toBe(true);
      }
    }
  });
});
