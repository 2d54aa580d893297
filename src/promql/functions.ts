// PromQL functions after Prometheus 2.42 (promql/functions.go), for float samples.

import { RE2JS } from 're2js';
import { compareStrings, type Label, type Labels, METRIC_NAME } from '../model/labels.js';
import type { Call, Expr, VectorSelector } from './ast.js';
import { quantile } from './aggregate.js';
import { dropMetricName, withLabel, type SeriesWindow, type Sample, type EvalValue as Value } from './value.js';
import { PromQLExecutionError } from './errors.js';

/** The window a range argument covered: [start, end] after offset and @, and its written range. */
export interface RangeArg {
  readonly start: number;
  readonly end: number;
  readonly range: number;
  readonly selector: VectorSelector | undefined;
}

export type OverTime = (s: SeriesWindow, range: RangeArg, t: number, scalars: number[]) => number | undefined;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Kahan-Babuska compensated summation (2.42 kahanSumInc), one accumulator per window, not per sample. */
class KahanSum {
  sum = 0;
  c = 0;

  add(inc: number): void {
    const t = this.sum + inc;
    if (Math.abs(this.sum) >= Math.abs(inc)) this.c += this.sum - t + inc;
    else this.c += inc - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.c;
  }
}

function extrapolatedRate(isCounter: boolean, isRate: boolean): OverTime {
  return ({ timestamps: ts, values: vs, from, to }, r) => {
    const n = to - from;
    if (n < 2) return undefined;
    const first = vs[from]!;
    let result = vs[to - 1]! - first;
    if (isCounter) {
      let last = 0;
      for (let i = from; i < to; i++) {
        if (vs[i]! < last) result += last;
        last = vs[i]!;
      }
    }
    let durationToStart = (ts[from]! - r.start) / 1000;
    const durationToEnd = (r.end - ts[to - 1]!) / 1000;
    const sampledInterval = (ts[to - 1]! - ts[from]!) / 1000;
    const averageBetween = sampledInterval / (n - 1);
    if (isCounter && result > 0 && first >= 0) {
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = averageBetween * 1.1;
    let interval = sampledInterval;
    interval += durationToStart < threshold ? durationToStart : averageBetween / 2;
    interval += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
    result *= interval / sampledInterval;
    if (isRate) result /= r.range / 1000;
    return result;
  };
}

function instantDelta(isRate: boolean): OverTime {
  return ({ timestamps: ts, values: vs, from, to }) => {
    if (to - from < 2) return undefined;
    const last = vs[to - 1]!;
    const prev = vs[to - 2]!;
    let result = isRate && last < prev ? last : last - prev;
    const interval = ts[to - 1]! - ts[to - 2]!;
    if (interval === 0) return undefined;
    if (isRate) result /= interval / 1000;
    return result;
  };
}

function linearRegression({ timestamps: ts, values: vs, from, to }: SeriesWindow, interceptTime: number): [number, number] {
  const n = to - from;
  const sx = new KahanSum(), sy = new KahanSum(), sxy = new KahanSum(), sx2 = new KahanSum();
  const initY = vs[from]!;
  let constY = true;
  for (let i = from; i < to; i++) {
    const v = vs[i]!;
    if (constY && i > from && v !== initY) constY = false;
    const x = (ts[i]! - interceptTime) / 1000;
    sx.add(x);
    sy.add(v);
    sxy.add(x * v);
    sx2.add(x * x);
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  const sumX = sx.value, sumY = sy.value, sumXY = sxy.value, sumX2 = sx2.value;
  const slope = (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n);
  return [slope, sumY / n - (slope * sumX) / n];
}

function stdvarOverTime({ values: vs, from, to }: SeriesWindow): number {
  const mean = new KahanSum();
  const aux = new KahanSum();
  for (let i = from; i < to; i++) {
    const v = vs[i]!;
    const delta = v - mean.value;
    mean.add(delta / (i - from + 1));
    aux.add(delta * (v - mean.value));
  }
  return aux.value / (to - from);
}

const OVER_TIME: Record<string, OverTime> = {
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantDelta(true),
  idelta: instantDelta(false),
  deriv: (s) => (s.to - s.from < 2 ? undefined : linearRegression(s, s.timestamps[s.from]!)[0]),
  predict_linear: (s, _r, t, [duration]) => {
    if (s.to - s.from < 2) return undefined;
    const [slope, intercept] = linearRegression(s, t);
    return slope * duration! + intercept;
  },
  resets: ({ values: vs, from, to }) => {
    let n = 0;
    for (let i = from + 1; i < to; i++) if (vs[i]! < vs[i - 1]!) n++;
    return n;
  },
  changes: ({ values: vs, from, to }) => {
    let n = 0;
    for (let i = from + 1; i < to; i++) {
      const a = vs[i]!;
      const b = vs[i - 1]!;
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) n++;
    }
    return n;
  },
  avg_over_time: ({ values: vs, from, to }) => {
    const mean = new KahanSum();
    for (let i = from; i < to; i++) {
      const v = vs[i]!;
      const m = mean.sum;
      const count = i - from + 1;
      if (m === Infinity || m === -Infinity) {
        if ((v === Infinity || v === -Infinity) && m > 0 === v > 0) continue;
        if (Number.isFinite(v)) continue;
      }
      mean.add(v / count - m / count);
    }
    return mean.sum === Infinity || mean.sum === -Infinity ? mean.sum : mean.value;
  },
  sum_over_time: ({ values: vs, from, to }) => {
    const sum = new KahanSum();
    for (let i = from; i < to; i++) sum.add(vs[i]!);
    return sum.sum === Infinity || sum.sum === -Infinity ? sum.sum : sum.value;
  },
  count_over_time: (s) => s.to - s.from,
  last_over_time: (s) => s.values[s.to - 1]!,
  present_over_time: () => 1,
  max_over_time: ({ values: vs, from, to }) => {
    let m = vs[from]!;
    for (let i = from + 1; i < to; i++) if (vs[i]! > m || Number.isNaN(m)) m = vs[i]!;
    return m;
  },
  min_over_time: ({ values: vs, from, to }) => {
    let m = vs[from]!;
    for (let i = from + 1; i < to; i++) if (vs[i]! < m || Number.isNaN(m)) m = vs[i]!;
    return m;
  },
  stdvar_over_time: (s) => stdvarOverTime(s),
  stddev_over_time: (s) => Math.sqrt(stdvarOverTime(s)),
  quantile_over_time: (s, _r, _t, [q]) => quantile(q!, Array.from(s.values.subarray(s.from, s.to))),
  holt_winters: ({ values: vs, from, to }, _r, _t, [sf, tf]) => {
    if (!(sf! > 0 && sf! < 1)) throw new PromQLExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf}`);
    if (!(tf! > 0 && tf! < 1)) throw new PromQLExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf}`);
    if (to - from < 2) return undefined;
    let s0 = 0;
    let s1 = vs[from]!;
    let b = vs[from + 1]! - vs[from]!;
    for (let i = from + 1; i < to; i++) {
      const x = sf! * vs[i]!;
      if (i > from + 1) b = tf! * (s1 - s0) + (1 - tf!) * b;
      const y = (1 - sf!) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  },
};

const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs, ceil: Math.ceil, floor: Math.floor, exp: Math.exp, sqrt: Math.sqrt, ln: Math.log,
  log2: Math.log2, log10: Math.log10, sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin,
  acos: Math.acos, atan: Math.atan, sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, asinh: Math.asinh,
  acosh: Math.acosh, atanh: Math.atanh, sgn: Math.sign,
  deg: (v) => (v * 180) / Math.PI, rad: (v) => (v * Math.PI) / 180,
};

const DATE: Record<string, (d: Date) => number> = {
  year: (d) => d.getUTCFullYear(),
  month: (d) => d.getUTCMonth() + 1,
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
};

/** A function of one range vector (rate, *_over_time, ...): its per-window kernel and the range argument's index. */
export function rangeFunction(name: string): { readonly kernel: OverTime; readonly matrixArg: number; readonly keepsName: boolean } | undefined {
  if (!Object.hasOwn(OVER_TIME, name)) return undefined;
  const kernel = OVER_TIME[name]!;
  return { kernel, matrixArg: name === 'quantile_over_time' ? 1 : 0, keepsName: name === 'last_over_time' };
}

/** Calls a function on evaluated arguments; `ranges[i]` describes argument i when it is a range. */
export function callFunction(e: Call, args: readonly Value[], ranges: readonly (RangeArg | undefined)[], t: number): Value {
  const f = e.func;
  const scalars = args.map((a) => (a.kind === 'scalar' ? a.v : NaN));
  const overTime = Object.hasOwn(OVER_TIME, f) ? OVER_TIME[f] : undefined;
  if (overTime) {
    const mi = f === 'quantile_over_time' ? 1 : 0;
    const m = args[mi]!;
    if (m.kind !== 'matrix') throw new PromQLExecutionError(`expected a range vector in call to "${f}"`);
    const extra = scalars.filter((_, i) => i !== mi);
    const out: Sample[] = [];
    for (const s of m.series) {
      const v = overTime(s, ranges[mi]!, t, extra);
      if (v !== undefined) out.push({ labels: f === 'last_over_time' ? s.labels : dropMetricName(s.labels), v, t });
    }
    return { kind: 'vector', samples: out };
  }
  const vec = (i: number): readonly Sample[] => {
    const a = args[i]!;
    if (a.kind !== 'vector') throw new PromQLExecutionError(`expected an instant vector in call to "${f}"`);
    return a.samples;
  };
  const map = (fn: (v: number) => number): Value => ({
    kind: 'vector',
    samples: vec(0).map((s) => ({ labels: dropMetricName(s.labels), v: fn(s.v), t })),
  });
  const str = (i: number): string => (args[i]!.kind === 'string' ? (args[i] as { v: string }).v : '');
  if (MATH[f]) return map(MATH[f]);
  if (DATE[f]) {
    const date = DATE[f];
    if (args.length === 0) return { kind: 'vector', samples: [{ labels: [], v: date(new Date(Math.trunc(t / 1000) * 1000)), t }] };
    return map((v) => date(new Date(Math.trunc(v) * 1000)));
  }
  switch (f) {
    case 'time': return { kind: 'scalar', v: t / 1000, t };
    case 'pi': return { kind: 'scalar', v: Math.PI, t };
    case 'vector': return { kind: 'vector', samples: [{ labels: [], v: scalars[0]!, t }] };
    case 'scalar': {
      const v = vec(0);
      return { kind: 'scalar', v: v.length === 1 ? v[0]!.v : NaN, t };
    }
    case 'timestamp': return { kind: 'vector', samples: vec(0).map((s) => ({ labels: dropMetricName(s.labels), v: s.t / 1000, t })) };
    case 'clamp': {
      const [, min, max] = scalars;
      if (max! < min!) return { kind: 'vector', samples: [] };
      return map((v) => Math.max(min!, Math.min(max!, v)));
    }
    case 'clamp_max': return map((v) => Math.min(v, scalars[1]!));
    case 'clamp_min': return map((v) => Math.max(v, scalars[1]!));
    case 'round': {
      const inverse = 1 / (args.length > 1 ? scalars[1]! : 1);
      return map((v) => Math.floor(v * inverse + 0.5) / inverse);
    }
    case 'sort': case 'sort_desc': {
      const desc = f === 'sort_desc';
      const sorted = [...vec(0)].sort((a, b) => {
        const an = Number.isNaN(a.v);
        const bn = Number.isNaN(b.v);
        if (an || bn) return an === bn ? 0 : an ? 1 : -1;
        return desc ? b.v - a.v : a.v - b.v;
      });
      return { kind: 'vector', samples: sorted };
    }
    case 'absent': case 'absent_over_time': {
      const a = args[0]!;
      const empty = a.kind === 'vector' ? a.samples.length === 0 : a.kind === 'matrix' && a.series.length === 0;
      if (!empty) return { kind: 'vector', samples: [] };
      return { kind: 'vector', samples: [{ labels: absentLabels(e.args[0]!), v: 1, t }] };
    }
    case 'label_replace': return labelReplace(vec(0), str(1), str(2), str(3), str(4));
    case 'label_join': return labelJoin(vec(0), str(1), str(2), args.slice(3).map((_, i) => str(i + 3)));
    case 'histogram_quantile': return { kind: 'vector', samples: histogramQuantile(scalars[0]!, vec(1), t) };
    default: throw new PromQLExecutionError(`function "${f}" is not implemented for float samples`);
  }
}

/** absent()'s output labels: the selector's equality matchers, except the name and labels matched twice. */
function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.type === 'ParenExpr') e = e.expr;
  const vs = e.type === 'VectorSelector' ? e : e.type === 'MatrixSelector' ? e.vector : undefined;
  if (!vs) return [];
  const counts = new Map<string, number>();
  for (const m of vs.matchers) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
  const out: Label[] = [];
  for (const m of vs.matchers) {
    if (m.type === '=' && m.name !== METRIC_NAME && counts.get(m.name) === 1) out.push({ name: m.name, value: m.value });
  }
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

function compileRegex(pattern: string): RE2JS {
  try {
    RE2JS.compile(pattern);
    return RE2JS.compile('^(?:' + pattern + ')$');
  } catch {
    throw new PromQLExecutionError(`invalid regular expression in label_replace(): ${pattern}`);
  }
}

function labelReplace(samples: readonly Sample[], dst: string, repl: string, src: string, pattern: string): Value {
  const re = compileRegex(pattern);
  if (!LABEL_NAME.test(dst)) throw new PromQLExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  const groups = re.namedGroups() as Record<string, number>;
  const out = samples.map((s) => {
    const m = re.matcher(s.labels.find((l) => l.name === src)?.value ?? '');
    if (!m.matches()) return s;
    const group = (name: string): string => {
      const index = /^\d+$/.test(name) ? Number(name) : groups[name];
      if (index === undefined || index > re.groupCount()) return '';
      return m.group(index) ?? '';
    };
    return { ...s, labels: withLabel(s.labels, dst, expandTemplate(repl, group)) };
  });
  return { kind: 'vector', samples: out };
}

/** Go's regexp Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a malformed `$` is kept literally. */
export function expandTemplate(template: string, group: (name: string) => string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = template[i + 1] === '{';
    const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + (braced ? 2 : 1)));
    if (!m || (braced && template[i + 2 + m[0].length] !== '}')) {
      out += '$';
      continue;
    }
    out += group(m[0]);
    i += m[0].length + (braced ? 2 : 0);
  }
  return out;
}

function labelJoin(samples: readonly Sample[], dst: string, sep: string, srcs: string[]): Value {
  if (!LABEL_NAME.test(dst)) throw new PromQLExecutionError(`invalid destination label name in label_join(): ${dst}`);
  for (const src of srcs) {
    if (!LABEL_NAME.test(src)) throw new PromQLExecutionError(`invalid source label name in label_join(): ${src}`);
  }
  const out = samples.map((s) => {
    const joined = srcs.map((n) => s.labels.find((l) => l.name === n)?.value ?? '').join(sep);
    return { ...s, labels: withLabel(s.labels, dst, joined) };
  });
  return { kind: 'vector', samples: out };
}

function histogramQuantile(q: number, samples: readonly Sample[], t: number): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { upper: number; count: number }[] }>();
  for (const s of samples) {
    const le = s.labels.find((l) => l.name === 'le')?.value;
    const upper = le === undefined ? NaN : parseGoFloat(le);
    if (upper === undefined) continue;
    const key = s.labels.filter((l) => l.name !== 'le').map((l) => l.name + '\xff' + l.value).join('\xff');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: s.labels.filter((l) => l.name !== METRIC_NAME && l.name !== 'le' && l.name !== 'quantile'), buckets: [] }));
    g.buckets.push({ upper, count: s.v });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, v: bucketQuantile(q, g.buckets), t }));
}

/** strconv.ParseFloat for bucket bounds; undefined when it does not parse. */
function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return text[0] === '-' ? -Infinity : Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan') return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  return undefined;
}

function bucketQuantile(q: number, input: { upper: number; count: number }[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upper - b.upper);
  if (sorted[sorted.length - 1]!.upper !== Infinity) return NaN;
  const buckets: { upper: number; count: number }[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else buckets.push({ ...b });
  }
  let max = buckets[0]!.count;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b]!.count >= rank)) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upper;
  if (b === 0 && buckets[0]!.upper <= 0) return buckets[0]!.upper;
  let start = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (buckets[b]!.upper - start) * (rank / count);
}
