// Byte sizes as Prometheus's --storage.tsdb.retention.size takes them (kingpin's BytesVar,
// alecthomas/units ParseBase2Bytes): powers of two, a unit after every number ("512MB",
// "1.5GB", "1GB512MB"), an optional sign, and a bare "0". One string uses one spelling:
// the IEC names (KiB, MiB, ...) or the old ones (KB, MB, ...), with B in both.

const POWERS = ['K', 'M', 'G', 'T', 'P', 'E'];

function unitTable(suffix: string): ReadonlyMap<string, number> {
  return new Map([['B', 1], ...POWERS.map((p, i): [string, number] => [p + suffix, 1024 ** (i + 1)])]);
}

const IEC_UNITS = unitTable('iB');
const OLD_UNITS = unitTable('B');

/** Int64 bounds as float64, the range the upstream parser accepts. */
const INT64_LIMIT = 2 ** 63;

/** Parses a base-2 byte size into a whole number of bytes (truncated, like a Go int64 conversion). */
export function parseBytes(text: string): number {
  try {
    return parseWithUnits(text, IEC_UNITS);
  } catch {
    return parseWithUnits(text, OLD_UNITS);
  }
}

function parseWithUnits(text: string, units: ReadonlyMap<string, number>): number {
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`units: invalid ${text}`);

  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    const intStart = pos;
    while (pos < s.length && isDigit(s.charCodeAt(pos))) pos++;
    const intDigits = s.slice(intStart, pos);
    let fracDigits = '';
    if (s[pos] === '.') {
      const fracStart = ++pos;
      while (pos < s.length && isDigit(s.charCodeAt(pos))) pos++;
      fracDigits = s.slice(fracStart, pos);
    }
    // Upstream refuses integers that do not fit comfortably in an int64.
    if ((intDigits === '' && fracDigits === '') || intDigits.length > 18 || fracDigits.length > 18) {
      throw new Error(`units: invalid ${text}`);
    }
    let value = Number(intDigits || '0');
    if (fracDigits !== '') value += Number(fracDigits) / 10 ** fracDigits.length;

    const unitStart = pos;
    while (pos < s.length && s[pos] !== '.' && !isDigit(s.charCodeAt(pos))) pos++;
    const unit = s.slice(unitStart, pos);
    const scale = units.get(unit);
    if (scale === undefined) throw new Error(`units: unknown unit ${unit} in ${text}`);
    total += value * scale;
  }
  if (negative) total = -total;
  if (!(total >= -INT64_LIMIT && total < INT64_LIMIT)) throw new Error('units: overflow parsing unit');
  return Math.trunc(total);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
