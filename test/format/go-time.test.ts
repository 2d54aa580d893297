import { describe, expect, it } from 'vitest';
import { formatGoDurationMs, formatGoUnixSecondsUTC } from '../../src/format/go-time.js';
import { formatBase2Bytes } from '../../src/format/go-units.js';
import { tabwriterFormat } from '../../src/format/tabwriter.js';
import { Prng } from '../helpers/prng.js';

describe('formatGoDurationMs (time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1000, '1s'],
    [1366695, '22m46.695s'],
    [7199604, '1h59m59.604s'],
    [7199890, '1h59m59.89s'],
    [7200000, '2h0m0s'],
    [-7200000, '-2h0m0s'],
    [86_400_000 * 400, '9600h0m0s'],
    [2 ** 62, '0s'], // 2^62 ms in ns is a multiple of 2^64: Go's int64 wraps to 0
    [9_223_372_036_854, '2562047h47m16.854s'],
    [9_223_372_036_855, '-2562047h47m16.854551616s'], // just past int64 nanoseconds: wraps negative
  ])('%s ms → %s', (ms, expected) => {
    expect(formatGoDurationMs(ms)).toBe(expected);
  });
});

describe('formatGoUnixSecondsUTC (time.Unix(ms/1000, 0).UTC().String())', () => {
  it('formats the fixture blocks as promtool did', () => {
    expect(formatGoUnixSecondsUTC(1686735433242)).toBe('2023-06-14 09:37:13 +0000 UTC');
    expect(formatGoUnixSecondsUTC(1686755233140)).toBe('2023-06-14 15:07:13 +0000 UTC');
  });

  it('truncates toward zero like Go integer division', () => {
    expect(formatGoUnixSecondsUTC(-1)).toBe('1970-01-01 00:00:00 +0000 UTC');
    expect(formatGoUnixSecondsUTC(-1000)).toBe('1969-12-31 23:59:59 +0000 UTC');
    expect(formatGoUnixSecondsUTC(-1500)).toBe('1969-12-31 23:59:59 +0000 UTC');
  });

  it('agrees with Date over its whole range (seeded)', () => {
    const rng = new Prng(7);
    for (let i = 0; i < 20_000; i++) {
      const ms = rng.int(-8.64e15, 8.64e15);
      const sec = Math.trunc(ms / 1000);
      const iso = new Date(sec * 1000).toISOString(); // ±YYYYYY-MM-DDTHH:MM:SS.sssZ for far years
      const m = /^([+-]?)(\d+)-(\d\d)-(\d\d)T(\d\d:\d\d:\d\d)/.exec(iso)!;
      const year = Number(m[2]) * (m[1] === '-' ? -1 : 1);
      const yearText = year < 0 ? '-' + String(-year).padStart(4, '0') : String(year).padStart(4, '0');
      expect(formatGoUnixSecondsUTC(ms)).toBe(`${yearText}-${m[3]}-${m[4]} ${m[5]} +0000 UTC`);
    }
  });

  it('covers the int64 extremes', () => {
    expect(formatGoUnixSecondsUTC(-(2n ** 63n))).toBe('-292275055-05-16 16:47:05 +0000 UTC');
    expect(formatGoUnixSecondsUTC(2n ** 63n - 1n)).toBe('292278994-08-17 07:12:55 +0000 UTC');
  });
});

describe('formatBase2Bytes (units.Base2Bytes.String)', () => {
  it.each([
    [0, '0B'],
    [1, '1B'],
    [1024, '1KiB'],
    [62890, '61KiB426B'],
    [259324, '253KiB252B'],
    [1048576, '1MiB'],
    [1048577, '1MiB1B'],
    [2 ** 40 + 5 * 2 ** 20, '1TiB5MiB'],
  ])('%s → %s', (n, expected) => {
    expect(formatBase2Bytes(n)).toBe(expected);
  });
});

describe('tabwriterFormat (text/tabwriter, minwidth 13, padding 2)', () => {
  const opts = { minWidth: 13, padding: 2 };

  it('pads every column to its widest cell plus padding, at least the minimum width; the last cell is not padded', () => {
    const out = tabwriterFormat('A\tBB\tC\nlonger-than-13-chars\tx\tend\n', opts);
    expect(out).toBe('A                     BB           C\nlonger-than-13-chars  x            end\n');
  });

  it('aligns a column only over the run of lines that have it', () => {
    const out = tabwriterFormat('a\tb\nno tabs here\nccc\td\n', opts);
    expect(out).toBe('a            b\nno tabs here\nccc          d\n');
  });
});
