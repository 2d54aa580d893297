// The PromQL engine (Prometheus 2.42 semantics for float samples). A query runs in two phases: first every
// selector's series are read from the Queryable once, as columns, for the whole time span the query can
// touch; then the expression is evaluated step by step over those columns. Range selections are views
// into the columns (two binary searches, no copy), so rate() and *_over_time() read typed arrays directly.
// A range query is the instant evaluation at each step, which is the equivalence 2.42's harness checks.

import { type Labels, compareLabels } from '../model/labels.js';
import type { AggregateExpr, AtModifier, Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.js';
import { walk } from './ast.js';
import { parseExpr } from './parser.js';
import type { Queryable } from './queryable.js';
import { binaryOp } from './binary.js';
import { aggregate } from './aggregate.js';
import { callFunction, type RangeArg } from './functions.js';
import { aggregateColumns, rangeFunctionColumns, type StepColumns } from './step-columns.js';
import { dropMetricName, keyOf, type EvalValue, type RangeSeries, type Sample, type SeriesWindow, type Value } from './value.js';
import { PromQLExecutionError } from './errors.js';
import { QueryLimits } from './limits.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (ms). Default 5m (`--query.lookback-delta`). */
  readonly lookbackDelta?: number;
  /** Most samples a query may hold at once (`--query.max-samples`). Default 50,000,000. */
  readonly maxSamples?: number;
  /** Longest a query may run (ms) before it fails with QueryTimeoutError (`--query.timeout`). Default 2m. */
  readonly timeoutMs?: number;
  /** Step of a subquery written without one (ms). Default 1m. */
  readonly defaultSubqueryStep?: number;
}

export interface QueryOptions {
  /** Aborting it stops the query with QueryCanceledError at its next check. */
  readonly signal?: AbortSignal;
}

/**
 * A selector's series as read from storage. `stale` flags staleness markers by their bits; `rangeTimestamps`
 * and `rangeValues` are the samples without markers (the same arrays when there are none), which is what
 * range selections see.
 */
interface LoadedSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly stale: Uint8Array | undefined;
  readonly rangeTimestamps: Float64Array;
  readonly rangeValues: Float64Array;
}

const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

export class Engine {
  readonly lookbackDelta: number;
  readonly maxSamples: number;
  readonly timeoutMs: number;
  readonly defaultSubqueryStep: number;

  constructor(options: EngineOptions = {}) {
    this.lookbackDelta = options.lookbackDelta ?? 300_000;
    this.maxSamples = options.maxSamples ?? 50_000_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.defaultSubqueryStep = options.defaultSubqueryStep ?? 60_000;
  }

  /** Evaluates `query` at time `t` (ms). */
  async instantQuery(queryable: Queryable, query: string | Expr, t: number, options: QueryOptions = {}): Promise<Value> {
    const limits = this.limits(options);
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const evaluator = await this.prepare(queryable, expr, t, t, 0, limits);
    const v = evaluator.eval(expr, t);
    limits.check();
    if (v.kind !== 'matrix') return v;
    limits.take(v.series.reduce((n, s) => n + s.to - s.from, 0));
    const series = v.series.map((s) => ({ labels: s.labels, timestamps: s.timestamps.slice(s.from, s.to), values: s.values.slice(s.from, s.to) }));
    return { kind: 'matrix', series };
  }

  /** Evaluates `query` at start, start+step, ..., end; the result is a matrix sorted by labels. */
  async rangeQuery(queryable: Queryable, query: string | Expr, start: number, end: number, step: number, options: QueryOptions = {}): Promise<RangeSeries[]> {
    if (!(step > 0)) throw new PromQLExecutionError('zero or negative query resolution step widths are not accepted');
    const limits = this.limits(options);
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const evaluator = await this.prepare(queryable, expr, start, end, step, limits);
    const out = new Map<string, { labels: Labels; ts: Float64Array; vs: Float64Array; n: number }>();
    const steps = Math.floor((end - start) / step) + 1;
    for (let k = 0, t = start; k < steps; k++, t = start + k * step) {
      const held = limits.held;
      const v = evaluator.eval(expr, t);
      let samples: readonly Sample[];
      if (v.kind === 'scalar') samples = [{ labels: [], v: v.v, t }];
      else if (v.kind === 'vector') samples = v.samples;
      else throw new PromQLExecutionError(`invalid expression type "${v.kind === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`);
      // What this step held is released; its output points stay for the rest of the query.
      limits.held = held;
      limits.take(samples.length);
      for (const s of samples) {
        const key = keyOf(s.labels);
        let series = out.get(key);
        if (!series) out.set(key, (series = { labels: s.labels, ts: new Float64Array(Math.min(steps, 64)), vs: new Float64Array(Math.min(steps, 64)), n: 0 }));
        if (series.n === series.ts.length) {
          const size = Math.min(steps, series.n * 2);
          series.ts = grow(series.ts, size);
          series.vs = grow(series.vs, size);
        }
        series.ts[series.n] = t;
        series.vs[series.n++] = s.v;
      }
      await limits.pause();
    }
    return [...out.values()]
      .sort((a, b) => compareLabels(a.labels, b.labels))
      .map((s) => ({ labels: s.labels, timestamps: s.ts.subarray(0, s.n), values: s.vs.subarray(0, s.n) }));
  }

  private limits(options: QueryOptions): QueryLimits {
    const limits = new QueryLimits(this.maxSamples, this.timeoutMs, options.signal);
    limits.check('query execution');
    return limits;
  }

  private async prepare(queryable: Queryable, expr: Expr, start: number, end: number, step: number, limits: QueryLimits): Promise<Evaluator> {
    const spans = new Map<VectorSelector, { mint: number; maxt: number }>();
    this.collectSpans(expr, start, end, start, end, spans);
    const data = new Map<VectorSelector, LoadedSeries[]>();
    for (const [selector, { mint, maxt }] of spans) data.set(selector, await load(queryable, selector, mint, maxt, limits));
    return new Evaluator(this, data, start, end, step, limits);
  }

  /** The time span each selector can read when `expr` is evaluated at times in [from, to]. */
  private collectSpans(expr: Expr, from: number, to: number, qStart: number, qEnd: number, spans: Map<VectorSelector, { mint: number; maxt: number }>): void {
    walk(expr, (node) => {
      if (node.type === 'VectorSelector' || node.type === 'MatrixSelector') {
        const vs = node.type === 'VectorSelector' ? node : node.vector;
        const back = node.type === 'VectorSelector' ? this.lookbackDelta : node.range;
        const [a, b] = refTimes(vs.at, vs.offset, from, to, qStart, qEnd);
        const span = spans.get(vs) ?? { mint: Infinity, maxt: -Infinity };
        spans.set(vs, { mint: Math.min(span.mint, a - back), maxt: Math.max(span.maxt, b) });
        return false;
      }
      if (node.type === 'SubqueryExpr') {
        const [a, b] = refTimes(node.at, node.offset, from, to, qStart, qEnd);
        this.collectSpans(node.expr, a - node.range, b, qStart, qEnd, spans);
        return false;
      }
      return true;
    });
  }
}

function grow(a: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}

function refTimes(at: AtModifier | undefined, offset: number, from: number, to: number, qStart: number, qEnd: number): [number, number] {
  if (at) {
    const t = at.kind === 'time' ? at.ms : at.kind === 'start' ? qStart : qEnd;
    return [t - offset, t - offset];
  }
  return [from - offset, to - offset];
}

async function load(queryable: Queryable, selector: VectorSelector, mint: number, maxt: number, limits: QueryLimits): Promise<LoadedSeries[]> {
  const out: LoadedSeries[] = [];
  for await (const series of queryable.select(selector.matchers, mint, maxt)) {
    limits.check();
    const batches = [];
    let n = 0;
    for await (const b of series.batches()) {
      batches.push(b);
      n += b.length;
    }
    let timestamps: Float64Array;
    let values: Float64Array;
    if (batches.length === 1 && batches[0]!.timestamps.length === n) {
      ({ timestamps, values } = batches[0]!);
    } else {
      timestamps = new Float64Array(n);
      values = new Float64Array(n);
      let at = 0;
      for (const b of batches) {
        timestamps.set(b.timestamps.subarray(0, b.length), at);
        values.set(b.values.subarray(0, b.length), at);
        at += b.length;
      }
    }
    out.push(withStaleness(series.labels, timestamps, values));
    await limits.pause();
  }
  return out;
}

/** Finds staleness markers by their bits (arithmetic would lose the payload) and builds the range columns. */
function withStaleness(labels: Labels, timestamps: Float64Array, values: Float64Array): LoadedSeries {
  const n = timestamps.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let stale: Uint8Array | undefined;
  let markers = 0;
  for (let i = 0; i < n; i++) {
    if (words[2 * i + 1] === STALE_HI && words[2 * i] === STALE_LO) {
      stale ??= new Uint8Array(n);
      stale[i] = 1;
      markers++;
    }
  }
  if (!stale) return { labels, timestamps, values, stale, rangeTimestamps: timestamps, rangeValues: values };
  const rangeTimestamps = new Float64Array(n - markers);
  const rangeValues = new Float64Array(n - markers);
  for (let i = 0, k = 0; i < n; i++) {
    if (stale[i]) continue;
    rangeTimestamps[k] = timestamps[i]!;
    rangeValues[k++] = values[i]!;
  }
  return { labels, timestamps, values, stale, rangeTimestamps, rangeValues };
}

/** Index of the first timestamp >= t (ts.length when none). */
function firstAtOrAfter(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last timestamp <= t, or -1. */
function lastAtOrBefore(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Evaluates expressions at single instants over preloaded series. */
export class Evaluator {
  private readonly stepColumns = new Map<Expr, StepColumns | undefined>();
  /** Subquery nesting: inside one, evaluation times are the subquery's, not the query's steps. */
  private subqueryDepth = 0;

  constructor(
    private readonly engine: Engine,
    private readonly data: ReadonlyMap<VectorSelector, LoadedSeries[]>,
    private readonly queryStart: number,
    private readonly queryEnd: number,
    /** The range query's step; 0 for an instant query. */
    private readonly step: number,
    private readonly limits: QueryLimits,
  ) {}

  /**
   * At a step of a range query, a range function of a selector, or a sum/avg/count/min/max/group of one,
   * read off columns computed for all steps at once (step-columns.ts); undefined when that does not apply.
   */
  private fromStepColumns(expr: Call | AggregateExpr, t: number): EvalValue | undefined {
    if (this.step === 0 || this.subqueryDepth > 0) return undefined;
    const k = (t - this.queryStart) / this.step;
    if (!Number.isInteger(k)) return undefined;
    const columns = this.columnsOf(expr);
    if (!columns) return undefined;
    const out: Sample[] = [];
    for (let i = 0; i < columns.labels.length; i++) {
      if (columns.present[i]![k]) out.push({ labels: columns.labels[i]!, v: columns.values[i]![k]!, t });
    }
    if (!columns.unique) return this.checkedVector(out);
    this.limits.take(out.length);
    return { kind: 'vector', samples: out };
  }

  private columnsOf(expr: Expr): StepColumns | undefined {
    if (expr.type !== 'Call' && expr.type !== 'AggregateExpr') return undefined;
    if (this.stepColumns.has(expr)) return this.stepColumns.get(expr);
    const steps = Math.floor((this.queryEnd - this.queryStart) / this.step) + 1;
    let columns: StepColumns | undefined;
    if (expr.type === 'AggregateExpr') {
      const input = expr.param ? undefined : this.columnsOf(expr.expr);
      columns = input && aggregateColumns(expr, input, steps);
    } else {
      const m = expr.args.find((a) => a.type === 'MatrixSelector');
      const series = m?.type === 'MatrixSelector' ? this.data.get(m.vector) : undefined;
      // A value per series and step: only when that fits the sample budget.
      if (series && steps * series.length <= this.engine.maxSamples) {
        columns = rangeFunctionColumns(expr, series, {
          start: this.queryStart,
          step: this.step,
          steps,
          windowEnd: (vs, t) => this.refTime(vs.at, vs.offset, t),
          tick: (units) => this.limits.tick(units),
        });
      }
    }
    this.stepColumns.set(expr, columns);
    return columns;
  }

  eval(expr: Expr, t: number): EvalValue {
    switch (expr.type) {
      case 'NumberLiteral': return { kind: 'scalar', v: expr.value, t };
      case 'StringLiteral': return { kind: 'string', v: expr.value, t };
      case 'ParenExpr': return this.eval(expr.expr, t);
      case 'VectorSelector': return { kind: 'vector', samples: this.selectInstant(expr, t) };
      case 'MatrixSelector': return { kind: 'matrix', series: this.selectRange(expr, t) };
      case 'SubqueryExpr': return { kind: 'matrix', series: this.subquery(expr, t) };
      case 'UnaryExpr': {
        const v = this.eval(expr.expr, t);
        if (expr.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', v: -v.v, t };
        if (v.kind !== 'vector') throw new PromQLExecutionError('unary minus on a non-numeric value');
        return this.checkedVector(v.samples.map((s) => ({ labels: dropMetricName(s.labels), v: -s.v, t })));
      }
      case 'BinaryExpr': {
        const lhs = this.eval(expr.lhs, t);
        const rhs = this.eval(expr.rhs, t);
        const out = binaryOp(expr, lhs, rhs, t);
        return out.kind === 'vector' ? this.checkedVector(out.samples) : out;
      }
      case 'AggregateExpr': {
        const precomputed = this.fromStepColumns(expr, t);
        if (precomputed) return precomputed;
        const param = expr.param ? this.eval(expr.param, t) : undefined;
        const input = this.eval(expr.expr, t);
        if (input.kind !== 'vector') throw new PromQLExecutionError('aggregation over a non-vector');
        return this.checkedVector(aggregate(expr, input.samples, param, t));
      }
      case 'Call': {
        const precomputed = this.fromStepColumns(expr, t);
        if (precomputed) return precomputed;
        const args = expr.args.map((a) => this.eval(a, t));
        const range = expr.args.map((a) => this.rangeArg(a, t));
        const out = callFunction(expr, args, range, t);
        return out.kind === 'vector' ? this.checkedVector(out.samples) : out;
      }
    }
  }

  private refTime(at: AtModifier | undefined, offset: number, t: number): number {
    if (!at) return t - offset;
    return (at.kind === 'time' ? at.ms : at.kind === 'start' ? this.queryStart : this.queryEnd) - offset;
  }

  /** The window a range argument covers at eval time t (for rate's extrapolation). */
  private rangeArg(a: Expr, t: number): RangeArg | undefined {
    let e = a;
    while (e.type === 'ParenExpr') e = e.expr;
    if (e.type === 'MatrixSelector') {
      const end = this.refTime(e.vector.at, e.vector.offset, t);
      return { start: end - e.range, end, range: e.range, selector: e.vector };
    }
    if (e.type === 'SubqueryExpr') {
      const end = this.refTime(e.at, e.offset, t);
      return { start: end - e.range, end, range: e.range, selector: undefined };
    }
    if (e.type === 'VectorSelector') return { start: t, end: t, range: 0, selector: e };
    return undefined;
  }

  private selectInstant(vs: VectorSelector, t: number): Sample[] {
    const ref = this.refTime(vs.at, vs.offset, t);
    const out: Sample[] = [];
    const series = this.data.get(vs) ?? [];
    this.limits.tick(series.length);
    for (const s of series) {
      const i = lastAtOrBefore(s.timestamps, ref);
      if (i < 0 || s.timestamps[i]! < ref - this.engine.lookbackDelta || s.stale?.[i]) continue;
      out.push({ labels: s.labels, v: s.values[i]!, t: s.timestamps[i]! });
    }
    this.limits.take(out.length);
    return out;
  }

  /** Each series' samples in [end - range, end] (both edges, as 2.42), as windows on the loaded columns. */
  private selectRange(ms: MatrixSelector, t: number): SeriesWindow[] {
    const end = this.refTime(ms.vector.at, ms.vector.offset, t);
    const start = end - ms.range;
    const out: SeriesWindow[] = [];
    const series = this.data.get(ms.vector) ?? [];
    this.limits.tick(series.length);
    let points = 0;
    for (const s of series) {
      const first = firstAtOrAfter(s.rangeTimestamps, start);
      const last = lastAtOrBefore(s.rangeTimestamps, end) + 1;
      if (last <= first) continue;
      points += last - first;
      out.push({ labels: s.labels, timestamps: s.rangeTimestamps, values: s.rangeValues, from: first, to: last });
    }
    this.limits.take(points);
    return out;
  }

  private subquery(sq: SubqueryExpr, t: number): SeriesWindow[] {
    const end = this.refTime(sq.at, sq.offset, t);
    const step = sq.step || this.engine.defaultSubqueryStep;
    const first = Math.ceil((end - sq.range) / step) * step;
    const series = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();
    for (let ts = first; ts <= end; ts += step) {
      this.limits.check();
      this.subqueryDepth++;
      let v: EvalValue;
      try {
        v = this.eval(sq.expr, ts);
      } finally {
        this.subqueryDepth--;
      }
      if (v.kind !== 'vector') throw new PromQLExecutionError('subquery over a non-vector');
      for (const s of v.samples) {
        const key = keyOf(s.labels);
        let acc = series.get(key);
        if (!acc) series.set(key, (acc = { labels: s.labels, ts: [], vs: [] }));
        acc.ts.push(ts);
        acc.vs.push(s.v);
      }
    }
    return [...series.values()].map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.ts), values: Float64Array.from(s.vs), from: 0, to: s.ts.length }));
  }

  /** 2.42 refuses a step's vector with two elements of the same label set. */
  private checkedVector(samples: readonly Sample[]): EvalValue {
    if (samples.length > 1) {
      const seen = new Set<string>();
      for (const s of samples) {
        const key = keyOf(s.labels);
        if (seen.has(key)) throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
        seen.add(key);
      }
    }
    this.limits.take(samples.length);
    return { kind: 'vector', samples };
  }
}
