// Prometheus durations ("15d", "1h30m", "250ms"), after prometheus/common model.ParseDuration
// and Duration.String (v0.39, the version Prometheus 2.42 uses).
//
// A duration is one or more <integer><unit> terms with units in strictly decreasing
// order, each at most once: y (365d), w (7d), d (24h), h, m, s, ms. "0" is allowed
// without a unit. Values are milliseconds; the total must fit Go's time.Duration
// (int64 nanoseconds, about 292 years), so every result is an exact integer.

const MS_PER_UNIT = {
  y: 365 * 24 * 3_600_000,
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;

type Unit = keyof typeof MS_PER_UNIT;

/** Units in the only order a duration may use them. */
const UNIT_ORDER: readonly Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** The largest duration Go can hold, in whole milliseconds: floor((2^63 - 1) ns / 1e6). */
export const MAX_DURATION_MS = 9_223_372_036_854;

const MAX_NANOS = (1n << 63n) - 1n;

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Prometheus duration into milliseconds. Throws DurationError with Prometheus's messages. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text === '') throw new DurationError('empty duration string');

  // Syntax first, as Prometheus matches its pattern before it sums the terms.
  const terms: { digits: string; unit: Unit }[] = [];
  let nextUnit = 0; // index into UNIT_ORDER of the first unit still allowed
  let pos = 0;
  while (pos < text.length) {
    const digitsStart = pos;
    while (pos < text.length && isDigit(text.charCodeAt(pos))) pos++;
    if (pos === digitsStart) throw invalid(text);
    const unitIndex = readUnit(text, pos, nextUnit);
    if (unitIndex < 0) throw invalid(text);
    const unit = UNIT_ORDER[unitIndex]!;
    terms.push({ digits: text.slice(digitsStart, pos), unit });
    pos += unit.length;
    nextUnit = unitIndex + 1;
  }

  let totalNanos = 0n;
  for (const { digits, unit } of terms) {
    // More than 19 significant digits overflows int64 whatever the unit; checking first keeps
    // a hostile megabyte of digits from reaching BigInt parsing.
    if (digits.replace(/^0+/, '').length > 19) throw outOfRange();
    totalNanos += BigInt(digits) * BigInt(MS_PER_UNIT[unit]) * 1_000_000n;
    if (totalNanos > MAX_NANOS) throw outOfRange();
  }
  return Number(totalNanos / 1_000_000n);
}

/**
 * Formats milliseconds as Prometheus does: the largest units first, years and weeks
 * only when they divide the whole duration ("90d", not "12w6d"), "0s" for zero.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in milliseconds: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNIT_ORDER) {
    const size = MS_PER_UNIT[unit];
    if ((unit === 'y' || unit === 'w') && rest % size !== 0) continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/** The index of the unit at `pos` if it is allowed (at or after `from`), else -1. "ms" wins over "m". */
function readUnit(text: string, pos: number, from: number): number {
  const c = text[pos];
  const next = text[pos + 1];
  let unit: Unit | undefined;
  if (c === 'm') unit = next === 's' ? 'ms' : 'm';
  else if (c === 'y' || c === 'w' || c === 'd' || c === 'h' || c === 's') unit = c;
  if (unit === undefined) return -1;
  const index = UNIT_ORDER.indexOf(unit);
  return index >= from ? index : -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function outOfRange(): DurationError {
  return new DurationError('duration out of range');
}

function invalid(text: string): DurationError {
  return new DurationError(`not a valid duration string: ${JSON.stringify(text)}`);
}
