// Go's time formatting as promtool's `tsdb list` uses it: time.Duration.String() of a millisecond range,
// and time.Unix(sec, 0).UTC().String() of a timestamp's seconds.

const NS_PER_MS = 1_000_000n;
const UNITS_BELOW_SECOND: ReadonlyArray<readonly [bigint, number, string]> = [
  [1_000n, 0, 'ns'], // below 1µs: whole nanoseconds
  [1_000_000n, 3, 'µs'],
  [1_000_000_000n, 6, 'ms'],
];

/**
 * `time.Duration(ms) * time.Millisecond` printed by Go's Duration.String(): "1h59m59.604s", "22m46.695s",
 * "500ms", "0s". Go's Duration is int64 nanoseconds, so ranges beyond ~292 years wrap exactly as in Go.
 */
export function formatGoDurationMs(ms: number | bigint): string {
  const d = BigInt.asIntN(64, BigInt(ms) * NS_PER_MS);
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d; // |MinInt64| = 2^63 is fine as a BigInt (Go reads it as uint64)
  let out: string;
  if (u < 1_000_000_000n) {
    const [, prec, unit] = UNITS_BELOW_SECOND.find(([limit]) => u < limit)!;
    out = fraction(u, prec) + unit;
  } else {
    out = fraction(u, 9) + 's';
    u /= 1_000_000_000n;
    out = String(u % 60n) + out;
    u /= 60n;
    if (u > 0n) {
      out = String(u % 60n) + 'm' + out;
      u /= 60n;
      if (u > 0n) out = String(u) + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

/**
 * The fraction of v / 10^prec as Go's fmtFrac writes it (".604", trailing zeros and a bare point dropped),
 * preceded by the integer part for the sub-second units; for seconds the caller prints the integer part.
 */
function fraction(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const frac = (v % scale).toString().padStart(prec, '0').replace(/0+$/, '');
  const dot = frac.length > 0 ? '.' + frac : '';
  return prec === 9 ? dot : String(v / scale) + dot;
}

/**
 * `time.Unix(ms / 1000, 0).UTC().String()` (Go's integer division truncates toward zero), e.g.
 * "2023-06-14 09:37:13 +0000 UTC". Proleptic Gregorian calendar over the whole int64 millisecond range.
 */
export function formatGoUnixSecondsUTC(ms: number | bigint): string {
  const seconds = BigInt(ms) / 1000n;
  let days = seconds / 86_400n;
  let secOfDay = seconds % 86_400n;
  if (secOfDay < 0n) {
    secOfDay += 86_400n;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(days);
  const sod = Number(secOfDay);
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod % 3600) / 60);
  const ss = sod % 60;
  const yearText = year < 0n ? '-' + pad((-year).toString(), 4) : pad(year.toString(), 4);
  return `${yearText}-${pad2(month)}-${pad2(day)} ${pad2(hh)}:${pad2(mm)}:${pad2(ss)} +0000 UTC`;
}

/** Days since 1970-01-01 to a proleptic Gregorian date (the classic era/day-of-era conversion). */
function civilFromDays(daysSinceEpoch: bigint): { year: bigint; month: number; day: number } {
  const z = daysSinceEpoch + 719_468n;
  const era = (z >= 0n ? z : z - 146_096n) / 146_097n;
  const doe = Number(z - era * 146_097n); // [0, 146096]
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = BigInt(yoe) + era * 400n + (month <= 2 ? 1n : 0n);
  return { year, month, day };
}

function pad(s: string, width: number): string {
  return s.padStart(width, '0');
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}
