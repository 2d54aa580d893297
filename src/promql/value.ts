// Query values: what an expression evaluates to at one instant, and what a range query returns.

import { compareStrings, labelsKey, type Label, type Labels, METRIC_NAME } from '../model/labels.js';

/** One element of an instant vector. `t` is the sample's own time for a plain selector, else the eval time. */
export interface Sample {
  readonly labels: Labels;
  readonly v: number;
  readonly t: number;
}

/** One series of a range vector or of a range query's result: points in time order. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/**
 * One series of a range vector inside the engine: samples [from, to) of columns shared with storage or a
 * subquery. Neither a copy nor a typed-array view is made per step: creating views is what costs.
 */
export interface SeriesWindow {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly from: number;
  readonly to: number;
}

type Scalar = { readonly kind: 'scalar'; readonly v: number; readonly t: number };
type Str = { readonly kind: 'string'; readonly v: string; readonly t: number };
type Vector = { readonly kind: 'vector'; readonly samples: readonly Sample[] };

/** What a query returns. */
export type Value = Scalar | Str | Vector | { readonly kind: 'matrix'; readonly series: readonly RangeSeries[] };

/** What an expression evaluates to inside the engine (range vectors as windows). */
export type EvalValue = Scalar | Str | Vector | { readonly kind: 'matrix'; readonly series: readonly SeriesWindow[] };

const withoutName = new WeakMap<Labels, Labels>();
const keys = new WeakMap<Labels, string>();

/** `ls` without __name__; the same object for the same input, so later keys come from the cache. */
export function dropMetricName(ls: Labels): Labels {
  let out = withoutName.get(ls);
  if (out === undefined) {
    out = ls.some((l) => l.name === METRIC_NAME) ? ls.filter((l) => l.name !== METRIC_NAME) : ls;
    withoutName.set(ls, out);
  }
  return out;
}

/** labelsKey, remembered per label set (a series keeps its Labels object from step to step). */
export function keyOf(ls: Labels): string {
  let key = keys.get(ls);
  if (key === undefined) {
    key = labelsKey(ls);
    keys.set(ls, key);
  }
  return key;
}

/** A copy of `ls` with `name` set to `value` (removed when value is ""), kept sorted. */
export function withLabel(ls: Labels, name: string, value: string): Labels {
  const out: Label[] = ls.filter((l) => l.name !== name);
  if (value !== '') {
    out.push({ name, value });
    out.sort((a, b) => compareStrings(a.name, b.name));
  }
  return out;
}

/** Go's math.Pow special cases that JavaScript's `**` answers differently. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}
