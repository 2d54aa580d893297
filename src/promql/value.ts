// Query values: what an expression evaluates to at one instant, and what a range query returns.

import { compareStrings, type Label, type Labels, METRIC_NAME } from '../model/labels.js';

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

export type Value =
  | { readonly kind: 'scalar'; readonly v: number; readonly t: number }
  | { readonly kind: 'string'; readonly v: string; readonly t: number }
  | { readonly kind: 'vector'; readonly samples: readonly Sample[] }
  | { readonly kind: 'matrix'; readonly series: readonly RangeSeries[] };

export function dropMetricName(ls: Labels): Labels {
  return ls.some((l) => l.name === METRIC_NAME) ? ls.filter((l) => l.name !== METRIC_NAME) : ls;
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
