// The column path of range queries. A range function over a selector (rate(x[5m]), max_over_time(...))
// is computed for every step at once, series by series: the window slides forward with two cursors and
// one reused window object, and each step's value lands in a Float64Array column. An aggregation without
// parameter (sum, avg, count, min, max, group) over such columns is folded column-wise into one column per
// group, in input order, so its floats are bit-for-bit what the per-step aggregation computes. A step is
// then read off the columns; no object is made per sample until the step's vector is handed on.

import type { Labels } from '../model/labels.js';
import type { AggregateExpr, Call, MatrixSelector, VectorSelector } from './ast.js';
import { groupKey } from './aggregate.js';
import { rangeFunction } from './functions.js';
import { dropMetricName, keyOf } from './value.js';

export interface StepColumns {
  readonly labels: Labels[];
  /** Per series, its value at each step (NaN bits kept); `present` says whether it has one. */
  readonly values: Float64Array[];
  readonly present: Uint8Array[];
  /** No two series share a label set (so no step can hold duplicates). */
  readonly unique: boolean;
}

/** Series as the engine loaded them: the columns range selections see. */
export interface RangeColumns {
  readonly labels: Labels;
  readonly rangeTimestamps: Float64Array;
  readonly rangeValues: Float64Array;
}

export interface StepGrid {
  readonly start: number;
  readonly step: number;
  readonly steps: number;
  /** The end of a selector's window at eval time t (offset and @ applied). */
  windowEnd(vs: VectorSelector, t: number): number;
  /** Called once per series with the work done, for the deadline. */
  tick(units: number): void;
}

/** Columns of `call` when it is a range function of a selector with literal parameters, else undefined. */
export function rangeFunctionColumns(call: Call, series: readonly RangeColumns[] | undefined, grid: StepGrid): StepColumns | undefined {
  const fn = rangeFunction(call.func);
  if (!fn || !series) return undefined;
  const scalars: number[] = [];
  let ms: MatrixSelector | undefined;
  for (const [i, a] of call.args.entries()) {
    if (i === fn.matrixArg && a.type === 'MatrixSelector') ms = a;
    else if (i !== fn.matrixArg && a.type === 'NumberLiteral') scalars.push(a.value);
    else return undefined;
  }
  if (!ms) return undefined;
  const { steps } = grid;
  const labels: Labels[] = [];
  const values: Float64Array[] = [];
  const present: Uint8Array[] = [];
  const range = { start: 0, end: 0, range: ms.range, selector: ms.vector };
  // With @ the window is the same at every step; else it trails the step by the offset.
  const pinned = ms.vector.at ? grid.windowEnd(ms.vector, grid.start) : undefined;
  const offset = ms.vector.offset;
  for (const s of series) {
    grid.tick(steps);
    const ts = s.rangeTimestamps;
    const window = { labels: s.labels, timestamps: ts, values: s.rangeValues, from: 0, to: 0 };
    const column = new Float64Array(steps);
    const has = new Uint8Array(steps);
    let any = false;
    for (let k = 0; k < steps; k++) {
      const t = grid.start + k * grid.step;
      range.end = pinned ?? t - offset;
      range.start = range.end - ms.range;
      while (window.from < ts.length && ts[window.from]! < range.start) window.from++;
      if (window.to < window.from) window.to = window.from;
      while (window.to < ts.length && ts[window.to]! <= range.end) window.to++;
      if (window.to === window.from) continue;
      const v = fn.kernel(window, range, t, scalars);
      if (v === undefined) continue;
      column[k] = v;
      has[k] = 1;
      any = true;
    }
    if (!any) continue;
    labels.push(fn.keepsName ? s.labels : dropMetricName(s.labels));
    values.push(column);
    present.push(has);
  }
  return { labels, values, present, unique: new Set(labels.map(keyOf)).size === labels.length };
}

const FOLDABLE = new Set(['sum', 'avg', 'count', 'min', 'max', 'group']);

/** Columns of an aggregation without parameter over columns whose series are unique, else undefined. */
export function aggregateColumns(e: AggregateExpr, input: StepColumns, steps: number): StepColumns | undefined {
  if (!FOLDABLE.has(e.op) || !input.unique) return undefined;
  const groupIndex = new Map<string, number>();
  const labels: Labels[] = [];
  const values: Float64Array[] = [];
  const present: Uint8Array[] = [];
  const counts: Float64Array[] = [];
  for (let i = 0; i < input.labels.length; i++) {
    const g = groupKey(e, input.labels[i]!);
    let gi = groupIndex.get(g.key);
    if (gi === undefined) {
      groupIndex.set(g.key, (gi = labels.length));
      labels.push(g.labels);
      values.push(new Float64Array(steps));
      present.push(new Uint8Array(steps));
      counts.push(new Float64Array(steps));
    }
    fold(e.op, input.values[i]!, input.present[i]!, values[gi]!, present[gi]!, counts[gi]!);
  }
  if (e.op === 'count') values.splice(0, values.length, ...counts);
  return { labels, values, present, unique: true };
}

/** One input column into a group's column, with aggregate.ts's per-sample rules. */
function fold(op: string, vs: Float64Array, has: Uint8Array, acc: Float64Array, seen: Uint8Array, count: Float64Array): void {
  for (let k = 0; k < vs.length; k++) {
    if (!has[k]) continue;
    const v = vs[k]!;
    if (!seen[k]) {
      seen[k] = 1;
      count[k] = 1;
      acc[k] = op === 'group' ? 1 : v;
      continue;
    }
    const n = ++count[k]!;
    const a = acc[k]!;
    switch (op) {
      case 'sum': acc[k] = a + v; break;
      case 'max': if (a < v || Number.isNaN(a)) acc[k] = v; break;
      case 'min': if (a > v || Number.isNaN(a)) acc[k] = v; break;
      case 'avg':
        if (a === Infinity || a === -Infinity) {
          if ((v === Infinity || v === -Infinity) && a > 0 === v > 0) break;
          if (Number.isFinite(v)) break;
        }
        acc[k] = a + (v / n - a / n);
        break;
    }
  }
}
