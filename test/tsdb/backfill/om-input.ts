/**
 * Seeded OpenMetrics backfill input: counters (with `_created`), gauges, histograms, summaries, info,
 * stateset and unknown families; NaN, ±Inf, -0, subnormals and huge values; Unicode and escaped label
 * values, an empty label value, labels written in varying order; jittered timestamps with sub-ms digits,
 * gaps, exact duplicate lines and lines repeating an earlier timestamp (the head drops both inside a
 * commit batch); exemplars. Families are written one after another, or with `interleave` all series
 * sample by sample in time order (Prometheus's parser accepts that; the head sees every series grow).
 */
import { Prng } from '../../helpers/prng.js';

const PIECES = ['a', 'Z', '0', '_', ' ', '-', '.', '/', '"', '\\', '\n', '\t', 'é', 'Küche', '東京', 'Ελλάδα', '🚀', '👩\u200d💻', '\u00a0', '\u2028', '\x01', '?', '&'];
const START_MS = 1_686_722_400_000; // 2023-06-14 06:00:00 UTC, a 2h boundary

export interface OmInputOptions {
  readonly families?: number;
  readonly hours?: number;
  readonly interleave?: boolean;
  /** Chance per sample line of an exact duplicate line and of a stale (earlier) timestamp line after it. */
  readonly noise?: number;
}

interface SeriesPlan {
  readonly text: string;
  readonly kind: 'counter' | 'gauge';
  readonly interval: number;
  t: number;
  readonly end: number;
  value: number;
}

export function generateBackfillInput(seed: number, options: OmInputOptions = {}): string {
  const rng = new Prng(seed);
  const spanMs = (options.hours ?? 5) * 3_600_000;
  const noise = options.noise ?? 0.01;
  const header: string[] = [];
  const series: SeriesPlan[][] = [];
  for (let f = 0; f < (options.families ?? 10); f++) {
    const kind = rng.pick(['counter', 'gauge', 'histogram', 'summary', 'info', 'stateset', 'unknown'] as const);
    const unit = kind === 'gauge' && rng.chance(0.5);
    const family = `bf_${kind}_${f}${unit ? '_seconds' : ''}`;
    header.push(`# TYPE ${family} ${kind}`, `# HELP ${family} Family ${f} \\ "help".`);
    if (unit) header.push(`# UNIT ${family} seconds`);
    const interval = rng.pick([1000, 10_000, 15_000, 60_000]);
    const start = START_MS + rng.int(0, 1_800_000);
    const end = START_MS + spanMs - rng.int(0, 1_800_000);
    const group: SeriesPlan[] = [];
    for (let s = rng.int(1, 3); s > 0; s--) {
      const labels = [`job="j${f}"`, `inst="${escape(labelValue(rng))}${s}"`];
      if (rng.chance(0.2)) labels.push('empty=""');
      const plan = (suffix: string, extra: string[], k: 'counter' | 'gauge'): void => {
        const ls = [...labels, ...extra];
        if (rng.chance(0.5)) ls.reverse();
        group.push({ text: `${family}${suffix}{${ls.join(',')}}`, kind: k, interval, t: start, end, value: rng.int(0, 100) });
      };
      if (kind === 'counter') {
        plan('_total', [], 'counter');
        if (rng.chance(0.5)) plan('_created', [], 'gauge');
      } else if (kind === 'histogram') {
        for (const le of ['0.1', '1', '10', '+Inf']) plan('_bucket', [`le="${le}"`], 'counter');
        plan('_count', [], 'counter');
        plan('_sum', [], 'counter');
      } else if (kind === 'summary') {
        for (const q of ['0.5', '0.99']) plan('', [`quantile="${q}"`], 'gauge');
        plan('_count', [], 'counter');
        plan('_sum', [], 'counter');
      } else if (kind === 'info') {
        plan('_info', [`version="v${s}"`], 'gauge');
      } else if (kind === 'stateset') {
        plan('', [`${family}="up"`], 'gauge');
      } else {
        plan('', [], kind === 'unknown' ? 'gauge' : kind);
      }
    }
    series.push(group);
  }

  const lines: string[] = [...header];
  const emit = (p: SeriesPlan): void => {
    p.value = nextValue(rng, p.kind, p.value);
    const line = `${p.text} ${formatValue(p.value)} ${formatSeconds(p.t, rng)}`;
    lines.push(p.kind === 'counter' && p.text.includes('_total') && rng.chance(0.02) ? `${line} # {trace_id="${rng.int(0, 1e6)}"} 1.5 ${formatSeconds(p.t, rng)}` : line);
    if (rng.chance(noise)) lines.push(line);
    if (rng.chance(noise)) lines.push(`${p.text} 7 ${formatSeconds(p.t - 1, rng)}`); // dropped unless a commit falls between
    p.t += p.interval + rng.int(-p.interval / 4, p.interval / 4);
    if (rng.chance(0.02)) p.t += p.interval * rng.int(2, 40);
  };
  if (options.interleave) {
    const all = series.flat();
    for (;;) {
      const live = all.filter((p) => p.t < p.end);
      if (live.length === 0) break;
      const p = live.reduce((a, b) => (b.t < a.t ? b : a));
      emit(p);
    }
  } else {
    for (const p of series.flat()) while (p.t < p.end) emit(p);
  }
  return lines.join('\n') + '\n# EOF\n';
}

function labelValue(rng: Prng): string {
  let s = '';
  for (let k = rng.int(1, 4); k > 0; k--) s += rng.pick(PIECES);
  return s;
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function nextValue(rng: Prng, kind: 'counter' | 'gauge', prev: number): number {
  if (kind === 'counter') return rng.chance(0.005) ? 0 : prev + rng.pick([0, 1, 2.5, rng.int(0, 1e6)]);
  const r = rng.next();
  if (r < 0.03) return rng.pick([NaN, Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308]);
  if (r < 0.3) return rng.int(-1e6, 1e6) / 10 ** rng.int(0, 9);
  return prev + (rng.next() - 0.5) * 10 ** rng.int(-3, 8);
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Seconds with 3 decimals, sometimes 6 (sub-millisecond digits that truncation drops) or none. */
function formatSeconds(ms: number, rng: Prng): string {
  const s = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  const r = rng.next();
  return r < 0.3 ? s + String(rng.int(0, 999)).padStart(3, '0') : r < 0.35 && ms % 1000 === 0 ? String(ms / 1000) : s;
}
