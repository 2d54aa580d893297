// alecthomas/units Base2Bytes.String() (the version Prometheus 2.42 vendors), which promtool's
// `tsdb list -r` uses for block sizes: every non-zero base-1024 digit with its unit, largest first:
// 62890 → "61KiB426B", 1048576 → "1MiB", 0 → "0B".

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Formats a byte count (an int64) as Base2Bytes.String(). */
export function formatBase2Bytes(bytes: number | bigint): string {
  let n = BigInt(bytes);
  if (n === 0n) return '0B';
  let out = '';
  for (const unit of UNITS) {
    const digit = n % 1024n; // Go's % keeps the dividend's sign, as BigInt's does
    if (digit !== 0n) out = `${digit}${unit}` + out;
    n /= 1024n;
    if (n === 0n) break;
  }
  return out;
}
