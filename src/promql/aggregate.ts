// Aggregation operators after Prometheus 2.42 (engine.go aggregation): groups in order of first appearance,
// the incremental mean of avg, Welford's stddev/stdvar, topk/bottomk with NaN ranked last.

import { type Labels, labelsKey, METRIC_NAME } from '../model/labels.js';
import type { AggregateExpr } from './ast.js';
import { withLabel, type Sample, type EvalValue as Value } from './value.js';
import { PromQLExecutionError } from './errors.js';

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  members: Sample[];
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function aggregate(e: AggregateExpr, input: readonly Sample[], param: Value | undefined, t: number): Sample[] {
  let k = 0;
  let q = NaN;
  let valueLabel = '';
  let grouping = e.grouping;
  if (e.op === 'topk' || e.op === 'bottomk') {
    const f = scalarParam(param);
    if (!(f >= -(2 ** 63) && f <= 2 ** 63)) throw new PromQLExecutionError(`Scalar value ${f} overflows int64`);
    k = Math.trunc(f);
    if (k < 1) return [];
  } else if (e.op === 'quantile') q = scalarParam(param);
  else if (e.op === 'count_values') {
    valueLabel = param?.kind === 'string' ? param.v : '';
    if (!LABEL_NAME.test(valueLabel)) throw new PromQLExecutionError(`invalid label name "${valueLabel}"`);
    if (!e.without) grouping = [...grouping, valueLabel];
  }

  const byKey = new Map<string, Group>();
  const ordered: Group[] = [];
  for (const s0 of input) {
    const s = e.op === 'count_values' ? { ...s0, labels: withLabel(s0.labels, valueLabel, formatFloatF(s0.v)) } : s0;
    const { labels: groupLabels, key } = e.op === 'count_values' ? groupOf(s.labels, e.without, grouping) : groupKey(e, s.labels);
    const g = byKey.get(key);
    if (!g) {
      const created: Group = { labels: groupLabels, value: s.v, mean: s.v, count: 1, members: [s] };
      if (e.op === 'stddev' || e.op === 'stdvar') created.value = 0;
      if (e.op === 'group') created.value = 1;
      byKey.set(key, created);
      ordered.push(created);
      continue;
    }
    switch (e.op) {
      case 'sum': g.value += s.v; break;
      case 'avg':
        g.count++;
        if (g.mean === Infinity || g.mean === -Infinity) {
          if ((s.v === Infinity || s.v === -Infinity) && g.mean > 0 === s.v > 0) break;
          if (Number.isFinite(s.v)) break; // a finite value cannot move an infinite mean
        }
        g.mean += s.v / g.count - g.mean / g.count;
        break;
      case 'group': break;
      case 'max': if (g.value < s.v || Number.isNaN(g.value)) g.value = s.v; break;
      case 'min': if (g.value > s.v || Number.isNaN(g.value)) g.value = s.v; break;
      case 'count': case 'count_values': g.count++; break;
      case 'stddev': case 'stdvar': {
        g.count++;
        const delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      case 'topk': case 'bottomk': keepExtremes(g.members, s, k, e.op === 'topk'); break;
      case 'quantile': g.members.push(s); break;
    }
  }

  const out: Sample[] = [];
  for (const g of ordered) {
    switch (e.op) {
      case 'avg': g.value = g.mean; break;
      case 'count': case 'count_values': g.value = g.count; break;
      case 'stdvar': g.value = g.value / g.count; break;
      case 'stddev': g.value = Math.sqrt(g.value / g.count); break;
      case 'quantile': g.value = quantile(q, g.members.map((s) => s.v)); break;
      case 'topk': case 'bottomk': {
        const ranked = [...g.members].sort((a, b) => rank(a.v, b.v, e.op === 'topk'));
        for (const s of ranked) out.push({ labels: s.labels, v: s.v, t });
        continue;
      }
    }
    out.push({ labels: g.labels, v: g.value, t });
  }
  return out;
}

export interface GroupKey {
  readonly labels: Labels;
  readonly key: string;
}

// A series keeps its Labels object from step to step, so its group is worked out once per expression.
const groups = new WeakMap<AggregateExpr, WeakMap<Labels, GroupKey>>();

/** The group of a series' labels under `e`'s by/without, remembered per expression and label set. */
export function groupKey(e: AggregateExpr, ls: Labels): GroupKey {
  let byLabels = groups.get(e);
  if (!byLabels) groups.set(e, (byLabels = new WeakMap()));
  let g = byLabels.get(ls);
  if (!g) byLabels.set(ls, (g = groupOf(ls, e.without, e.grouping)));
  return g;
}

function groupOf(ls: Labels, without: boolean, grouping: readonly string[]): GroupKey {
  const labels = without
    ? ls.filter((l) => l.name !== METRIC_NAME && !grouping.includes(l.name))
    : ls.filter((l) => grouping.includes(l.name));
  return { labels, key: labelsKey(labels) };
}

function scalarParam(param: Value | undefined): number {
  if (param?.kind !== 'scalar') throw new PromQLExecutionError('aggregation parameter must be a scalar');
  return param.v;
}

/** Orders best first (largest for topk, smallest for bottomk), NaN last. */
function rank(a: number, b: number, top: boolean): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return top ? (b > a ? 1 : b < a ? -1 : 0) : a > b ? 1 : a < b ? -1 : 0;
}

/** The k best seen so far: a new sample enters when there is room, or when it beats the worst kept one. */
function keepExtremes(kept: Sample[], s: Sample, k: number, top: boolean): void {
  if (kept.length < k) {
    kept.push(s);
    return;
  }
  let worst = 0;
  for (let i = 1; i < kept.length; i++) if (rank(kept[i]!.v, kept[worst]!.v, top) > 0) worst = i;
  const w = kept[worst]!.v;
  if (Number.isNaN(w) || (top ? w < s.v : w > s.v)) kept[worst] = s;
}

/** The φ-quantile by linear interpolation between closest ranks (2.42 quantile.go). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // Go's sort here ranks NaN below every number.
  const sorted = Float64Array.from([...values.filter(Number.isNaN), ...values.filter((v) => !Number.isNaN(v))]);
  sorted.subarray(sorted.length - values.filter((v) => !Number.isNaN(v)).length).sort();
  const n = sorted.length;
  const r = q * (n - 1);
  const lower = Math.max(0, Math.floor(r));
  const upper = Math.min(n - 1, lower + 1);
  const weight = r - Math.floor(r);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return Object.is(v, -0) ? '-0' : s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead! + frac;
  const exp = Number(expText);
  if (exp >= 0) return sign + digits.padEnd(exp + 1, '0').replace(new RegExp(`^(\\d{${exp + 1}})(\\d+)$`), '$1.$2');
  return sign + '0.' + '0'.repeat(-exp - 1) + digits;
}
