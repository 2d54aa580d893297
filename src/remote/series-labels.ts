// From the label pairs a sender wrote to a label set storage accepts: sorted by name (UTF-8
// byte order), empty values dropped, and refused when a name is empty or repeated or when no
// label is left. Prometheus 2.42 does the same on its way into the head (labelProtosToLabels
// sorts; the head drops empty values and refuses duplicates and empty sets).

import { goQuote } from '../format/go-quote.js';
import { compareStrings, type Label, type Labels } from '../model/labels.js';

/** A series' label set, or why it cannot be stored (then `labels` is empty). */
export interface NormalizedLabels {
  /**
   * The labels, or RELEASED_LABELS once the storage holds the series under `ref`: a cached 1.0
   * set then drops its copy, since the storage keeps one of its own (a second copy per series
   * was a sixth of the receiver's memory at 1M series in bench:ingest). The request's label
   * bytes bring them back should the storage have dropped the series (see ingest-v1).
   */
  labels: Labels;
  readonly error: string | null;
  /**
   * The storage's ref for this label set once an append returned one (0 before). Cached label
   * sets keep it across requests, so the next append finds the series by ref.
   */
  ref: number;
}

/** What a released label set holds in place of its labels: no labels, which no storage accepts with an unknown ref. */
export const RELEASED_LABELS: Labels = Object.freeze([]);

const byName = (a: Label, b: Label): number => compareStrings(a.name, b.name);

/** Normalizes the `n` pairs `names[i]`, `values[i]` (wire order). */
export function normalizeLabels(names: readonly string[], values: readonly string[], n: number): NormalizedLabels {
  const labels: Label[] = [];
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    if (value === '') continue;
    const name = names[i]!;
    if (name === '') return invalid(names, values, n, 'label with an empty name');
    if (sorted && labels.length > 0 && compareStrings(labels[labels.length - 1]!.name, name) >= 0) sorted = false;
    labels.push({ name, value });
  }
  if (labels.length === 0) return invalid(names, values, n, 'no label with a value');
  if (!sorted) {
    labels.sort(byName);
    for (let i = 1; i < labels.length; i++) {
      const name = labels[i]!.name;
      if (name === labels[i - 1]!.name) return invalid(names, values, n, `label name ${goQuote(name)} is not unique`);
    }
  }
  return { labels, error: null, ref: 0 };
}

function invalid(names: readonly string[], values: readonly string[], n: number, why: string): NormalizedLabels {
  let s = '{';
  for (let i = 0; i < n; i++) s += `${i > 0 ? ', ' : ''}${names[i]}=${goQuote(values[i]!)}`;
  return { labels: [], error: `invalid labels for series ${s}}: ${why}`, ref: 0 };
}
