// The PromQL engine (Prometheus 2.42 semantics for float samples). A query runs in two phases: first every
// selector's series are read from the Queryable once, for the whole time span the query can touch; then
// the expression is evaluated step by step over those columns, synchronously. A range query is the instant
// evaluation at each step, which is exactly the equivalence 2.42's test harness checks.

import { type Labels, labelsKey, compareLabels } from '../model/labels.js';
import type { AtModifier, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.js';
import { walk } from './ast.js';
import { parseExpr } from './parser.js';
import type { Queryable } from './queryable.js';
import { binaryOp } from './binary.js';
import { aggregate } from './aggregate.js';
import { callFunction, type RangeArg } from './functions.js';
import { dropMetricName, PromQLExecutionError, type RangeSeries, type Sample, type Value } from './value.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (ms). Default 5m. */
  readonly lookbackDelta?: number;
  /** Step of a subquery written without one (ms). Default 1m. */
  readonly defaultSubqueryStep?: number;
}

/** A selector's series as read from storage; `stale` flags staleness markers found by their bits. */
interface LoadedSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly stale: Uint8Array;
}

const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

export class Engine {
  readonly lookbackDelta: number;
  readonly defaultSubqueryStep: number;

  constructor(options: EngineOptions = {}) {
    this.lookbackDelta = options.lookbackDelta ?? 300_000;
    this.defaultSubqueryStep = options.defaultSubqueryStep ?? 60_000;
  }

  /** Evaluates `query` at time `t` (ms). */
  async instantQuery(queryable: Queryable, query: string | Expr, t: number): Promise<Value> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const evaluator = await this.prepare(queryable, expr, t, t);
    return evaluator.eval(expr, t);
  }

  /** Evaluates `query` at start, start+step, ..., end; the result is a matrix sorted by labels. */
  async rangeQuery(queryable: Queryable, query: string | Expr, start: number, end: number, step: number): Promise<RangeSeries[]> {
    if (!(step > 0)) throw new PromQLExecutionError('zero or negative query resolution step widths are not accepted');
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const evaluator = await this.prepare(queryable, expr, start, end);
    const out = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();
    for (let t = start; t <= end; t += step) {
      const v = evaluator.eval(expr, t);
      let samples: readonly Sample[];
      if (v.kind === 'scalar') samples = [{ labels: [], v: v.v, t }];
      else if (v.kind === 'vector') samples = v.samples;
      else throw new PromQLExecutionError(`invalid expression type "${v.kind === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`);
      for (const s of samples) {
        const key = labelsKey(s.labels);
        let series = out.get(key);
        if (!series) out.set(key, (series = { labels: s.labels, ts: [], vs: [] }));
        series.ts.push(t);
        series.vs.push(s.v);
      }
    }
    return [...out.values()]
      .sort((a, b) => compareLabels(a.labels, b.labels))
      .map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.ts), values: Float64Array.from(s.vs) }));
  }

  private async prepare(queryable: Queryable, expr: Expr, start: number, end: number): Promise<Evaluator> {
    const spans = new Map<VectorSelector, { mint: number; maxt: number }>();
    this.collectSpans(expr, start, end, start, end, spans);
    const data = new Map<VectorSelector, LoadedSeries[]>();
    for (const [selector, { mint, maxt }] of spans) data.set(selector, await load(queryable, selector, mint, maxt));
    return new Evaluator(this, data, start, end);
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

function refTimes(at: AtModifier | undefined, offset: number, from: number, to: number, qStart: number, qEnd: number): [number, number] {
  if (at) {
    const t = at.kind === 'time' ? at.ms : at.kind === 'start' ? qStart : qEnd;
    return [t - offset, t - offset];
  }
  return [from - offset, to - offset];
}

async function load(queryable: Queryable, selector: VectorSelector, mint: number, maxt: number): Promise<LoadedSeries[]> {
  const out: LoadedSeries[] = [];
  for await (const series of queryable.select(selector.matchers, mint, maxt)) {
    const batches = [];
    let n = 0;
    for await (const b of series.batches()) {
      batches.push(b);
      n += b.length;
    }
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let at = 0;
    for (const b of batches) {
      timestamps.set(b.timestamps.subarray(0, b.length), at);
      values.set(b.values.subarray(0, b.length), at);
      at += b.length;
    }
    const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
    const stale = new Uint8Array(n);
    for (let i = 0; i < n; i++) stale[i] = words[2 * i + 1] === STALE_HI && words[2 * i] === STALE_LO ? 1 : 0;
    out.push({ labels: series.labels, timestamps, values, stale });
  }
  return out;
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
  constructor(
    private readonly engine: Engine,
    private readonly data: ReadonlyMap<VectorSelector, LoadedSeries[]>,
    private readonly queryStart: number,
    private readonly queryEnd: number,
  ) {}

  eval(expr: Expr, t: number): Value {
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
        return checkedVector(v.samples.map((s) => ({ labels: dropMetricName(s.labels), v: -s.v, t })));
      }
      case 'BinaryExpr': {
        const lhs = this.eval(expr.lhs, t);
        const rhs = this.eval(expr.rhs, t);
        const out = binaryOp(expr, lhs, rhs, t);
        return out.kind === 'vector' ? checkedVector(out.samples) : out;
      }
      case 'AggregateExpr': {
        const param = expr.param ? this.eval(expr.param, t) : undefined;
        const input = this.eval(expr.expr, t);
        if (input.kind !== 'vector') throw new PromQLExecutionError('aggregation over a non-vector');
        return checkedVector(aggregate(expr, input.samples, param, t));
      }
      case 'Call': {
        const args = expr.args.map((a) => this.eval(a, t));
        const range = expr.args.map((a) => this.rangeArg(a, t));
        const out = callFunction(expr, args, range, t);
        return out.kind === 'vector' ? checkedVector(out.samples) : out;
      }
    }
  }

  private refTime(at: AtModifier | undefined, offset: number, t: number): number {
    return refTimes(at, offset, t, t, this.queryStart, this.queryEnd)[0];
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
    for (const s of this.data.get(vs) ?? []) {
      const i = lastAtOrBefore(s.timestamps, ref);
      if (i < 0 || s.timestamps[i]! < ref - this.engine.lookbackDelta || s.stale[i]) continue;
      out.push({ labels: s.labels, v: s.values[i]!, t: s.timestamps[i]! });
    }
    return out;
  }

  private selectRange(ms: MatrixSelector, t: number): RangeSeries[] {
    const end = this.refTime(ms.vector.at, ms.vector.offset, t);
    const start = end - ms.range;
    const out: RangeSeries[] = [];
    for (const s of this.data.get(ms.vector) ?? []) {
      const last = lastAtOrBefore(s.timestamps, end);
      let first = lastAtOrBefore(s.timestamps, start);
      if (first < 0 || s.timestamps[first]! < start) first++;
      let n = 0;
      for (let i = first; i <= last; i++) if (!s.stale[i]) n++;
      if (n === 0) continue;
      const timestamps = new Float64Array(n);
      const values = new Float64Array(n);
      let k = 0;
      for (let i = first; i <= last; i++) {
        if (s.stale[i]) continue;
        timestamps[k] = s.timestamps[i]!;
        values[k++] = s.values[i]!;
      }
      out.push({ labels: s.labels, timestamps, values });
    }
    return out;
  }

  private subquery(sq: SubqueryExpr, t: number): RangeSeries[] {
    const end = this.refTime(sq.at, sq.offset, t);
    const step = sq.step || this.engine.defaultSubqueryStep;
    const first = Math.ceil((end - sq.range) / step) * step;
    const series = new Map<string, { labels: Labels; ts: number[]; vs: number[] }>();
    for (let ts = first; ts <= end; ts += step) {
      const v = this.eval(sq.expr, ts);
      if (v.kind !== 'vector') throw new PromQLExecutionError('subquery over a non-vector');
      for (const s of v.samples) {
        const key = labelsKey(s.labels);
        let acc = series.get(key);
        if (!acc) series.set(key, (acc = { labels: s.labels, ts: [], vs: [] }));
        acc.ts.push(ts);
        acc.vs.push(s.v);
      }
    }
    return [...series.values()].map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.ts), values: Float64Array.from(s.vs) }));
  }
}

/** 2.42 refuses a step's vector with two elements of the same label set. */
function checkedVector(samples: readonly Sample[]): Value {
  if (samples.length > 1) {
    const seen = new Set<string>();
    for (const s of samples) {
      const key = labelsKey(s.labels);
      if (seen.has(key)) throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
      seen.add(key);
    }
  }
  return { kind: 'vector', samples };
}
