import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DurationError, MAX_DURATION_MS, formatDuration, parseDuration } from '../../src/model/duration.js';
import { Prng } from '../helpers/prng.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['1ms', 1],
    ['250ms', 250],
    ['15s', 15 * S],
    ['5m', 5 * M],
    ['2h', 2 * H],
    ['15d', 15 * D],
    ['2w', 14 * D],
    ['1y', 365 * D],
    ['1h30m', H + 30 * M],
    ['1y2w3d4h5m6s7ms', 365 * D + 14 * D + 3 * D + 4 * H + 5 * M + 6 * S + 7],
    ['5m10ms', 5 * M + 10],
    ['007s', 7 * S],
    ['90m', 90 * M],
    ['292y', 292 * 365 * D],
    ['292y24w', 292 * 365 * D + 24 * 7 * D],
    ['9223372036854ms', MAX_DURATION_MS],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'empty duration string'],
    ['1', 'not a valid duration string: "1"'],
    ['m', 'not a valid duration string: "m"'],
    ['-1s', 'not a valid duration string: "-1s"'],
    ['1.5h', 'not a valid duration string: "1.5h"'],
    ['1m1h', 'not a valid duration string: "1m1h"'],
    ['1s1s', 'not a valid duration string: "1s1s"'],
    ['1ms1s', 'not a valid duration string: "1ms1s"'],
    ['1h ', 'not a valid duration string: "1h "'],
    [' 1h', 'not a valid duration string: " 1h"'],
    ['1H', 'not a valid duration string: "1H"'],
    ['1us', 'not a valid duration string: "1us"'],
    ['1mo', 'not a valid duration string: "1mo"'],
    ['1h30', 'not a valid duration string: "1h30"'],
    ['00', 'not a valid duration string: "00"'],
    ['293y', 'duration out of range'],
    ['292y25w', 'duration out of range'],
    ['9223372036855ms', 'duration out of range'],
    ['99999999999999999999999y', 'duration out of range'],
    ['99999999999999999999999y!', 'not a valid duration string: "99999999999999999999999y!"'],
  ])('%j is rejected: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrow(new DurationError(message));
  });

  it('rejects a megabyte of digits', () => {
    expect(() => parseDuration(`${'9'.repeat(1 << 20)}s`)).toThrow('duration out of range');
    expect(parseDuration(`${'0'.repeat(1 << 20)}1s`)).toBe(S);
  });

  it('never throws anything but DurationError on random input (seed 20240501)', () => {
    const prng = new Prng(20240501);
    const alphabet = ['0', '1', '9', 'y', 'w', 'd', 'h', 'm', 's', 'ms', ' ', '-', '.', 'x', 'µ'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = prng.int(0, 8);
      for (let j = 0; j < n; j++) text += prng.pick(alphabet);
      try {
        const ms = parseDuration(text);
        expect(Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(DurationError);
      }
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [1500, '1s500ms'],
    [90 * M, '1h30m'],
    [15 * D, '15d'],
    [14 * D, '2w'],
    [90 * D, '90d'],
    [365 * D, '1y'],
    [366 * D, '366d'],
    [730 * D + H, '730d1h'],
    [36 * H, '1d12h'],
  ])('%d ms = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration (seed 7)', () => {
    const prng = new Prng(7);
    for (let i = 0; i < 10_000; i++) {
      const ms = prng.chance(0.5) ? prng.int(0, MAX_DURATION_MS) : prng.int(0, 290) * prng.pick([S, M, H, D, 7 * D, 365 * D]);
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('rejects values that are not whole non-negative milliseconds', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
  });
});

// Differential check against the real Prometheus 2.42 flag parser: a duration flag followed by an
// invalid size flag makes Prometheus exit at once, reporting the duration error if the duration is
// bad and the size error otherwise.
const prometheusBinary = findOnPath('prometheus');

describe.skipIf(!prometheusBinary)('parseDuration agrees with Prometheus 2.42 (needs `prometheus` on PATH)', () => {
  const cases = [
    '0', '0s', '00', '1', '15d', '1h30m', '1m1h', '5m10ms', '1ms1s', '007s', '1.5h', '-1s', '1H', '',
    '292y', '293y', '292y1w', '292y24w', '292y25w', '9223372036854ms', '9223372036855ms', '99999999999999999999999y',
    '1y2w3d4h5m6s7ms', 'h', '1hh', '1s1s', '1mo',
  ];
  const prng = new Prng(42);
  const alphabet = ['0', '1', '5', 'y', 'w', 'd', 'h', 'm', 's', 'ms'];
  for (let i = 0; i < 24; i++) {
    let text = '';
    for (let j = prng.int(1, 6); j > 0; j--) text += prng.pick(alphabet);
    cases.push(text);
  }

  it.each(cases)('%j', (text) => {
    const result = spawnSync(prometheusBinary!, [`--query.lookback-delta=${text}`, '--storage.tsdb.retention.size=12'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    const firstLine = result.stderr.split('\n')[0]!;
    const theirs = firstLine.includes('units: unknown unit') ? 'ok' : firstLine.replace('Error parsing commandline arguments: ', '');
    let ours: string;
    try {
      parseDuration(text);
      ours = 'ok';
    } catch (err) {
      ours = (err as Error).message;
    }
    expect(ours).toBe(theirs);
  });
});

function findOnPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
