/**
 * A seeded OpenMetrics file for differential tests against promtool: counters, gauges and an untyped
 * family; values across every magnitude (subnormals, integers past 2^53, ±max), NaN, ±Inf and -0;
 * jittered timestamps with sub-millisecond digits over several 2h block windows; label values with
 * Unicode, quotes, backslashes, newlines, tabs and characters Go escapes.
 */
import { Prng } from '../helpers/prng.js';

const LABEL_PIECES = ['a', 'Z', '0', '_', ' ', '-', '.', ':', '/', '"', '\\', '\n', '\t', 'é', 'Küche', '東京', 'Ελλάδα', '🚀', '👩\u200d💻', '\u00a0', '\u2028', '\u{1f6dd}', '\x01', '?', '&', '='];

function labelValue(rng: Prng): string {
  let s = '';
  for (let k = rng.int(1, 6); k > 0; k--) s += rng.pick(LABEL_PIECES);
  return s;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function value(rng: Prng, kind: 'counter' | 'gauge', prev: number): number {
  if (kind === 'counter') return rng.chance(0.01) ? 0 : prev + rng.pick([0, 1, 2.5, rng.int(0, 1e6), 2 ** 53 + rng.int(0, 8) * 2]);
  const r = rng.next();
  if (r < 0.03) return rng.pick([NaN, Infinity, -Infinity, -0, 0]);
  if (r < 0.25) {
    const bits = new DataView(new ArrayBuffer(8));
    bits.setUint32(0, rng.nextU32());
    bits.setUint32(4, rng.nextU32());
    const v = bits.getFloat64(0);
    return Number.isNaN(v) ? 1 : v;
  }
  if (r < 0.4) return rng.pick([5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1e21, 1e-7]) * rng.pick([1, -1]);
  if (r < 0.6) return rng.int(-1e6, 1e6) / 10 ** rng.int(0, 8);
  return prev + (rng.next() - 0.5) * 10 ** rng.int(-3, 12);
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Timestamps in seconds with up to 6 decimals, spanning about `hours` from 2023-06-14 06:13:20 UTC. */
export function generateOpenMetrics(seed: number, options: { families?: number; hours?: number } = {}): string {
  const rng = new Prng(seed);
  const families = options.families ?? 12;
  const spanMs = (options.hours ?? 7) * 3_600_000;
  const start = 1_686_723_200_000;
  let out = '';
  for (let f = 0; f < families; f++) {
    const kind = rng.pick(['counter', 'gauge', 'unknown'] as const);
    const family = `gen_${kind}_${f}`;
    out += `# HELP ${family} Generated family ${f}.\n# TYPE ${family} ${kind}\n`;
    const name = kind === 'counter' ? `${family}_total` : family;
    const seriesCount = rng.int(1, 4);
    const seen = new Set<string>();
    for (let s = 0; s < seriesCount; s++) {
      const labels: string[] = [];
      for (let k = rng.int(0, 4); k > 0; k--) labels.push(`l${rng.int(0, 6)}="${escapeLabel(labelValue(rng))}"`);
      const names = labels.map((l) => l.slice(0, l.indexOf('=')));
      if (new Set(names).size !== names.length) continue; // a label name at most once
      const key = labels.sort().join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      const text = labels.length ? `${name}{${labels.join(',')}}` : name;
      const interval = rng.pick([1000, 5000, 15_000, 60_000]);
      let t = start + rng.int(0, 600_000);
      const end = start + spanMs - rng.int(0, 3_600_000);
      let prev = kind === 'counter' ? rng.int(0, 1000) : 0;
      while (t < end) {
        prev = value(rng, kind === 'counter' ? 'counter' : 'gauge', prev);
        const micros = rng.chance(0.5) ? String(rng.int(0, 999)).padStart(3, '0') : '';
        out += `${text} ${formatValue(prev)} ${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}${micros}\n`;
        t += interval + rng.int(-interval / 4, interval / 4);
        if (rng.chance(0.05)) t += interval * rng.int(2, 30); // gaps
      }
    }
  }
  return out + '# EOF\n';
}
