import type { Labels } from '../model/labels.js';
import { goQuote } from './go-quote.js';

/**
 * A label set as Prometheus's `labels.Labels.String()` prints it (and so `promtool tsdb dump`):
 * `{name="value", name2="value2"}` with names bare and values quoted by Go's strconv.Quote.
 */
export function formatLabels(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) out += ', ';
    out += l.name + '=' + goQuote(l.value);
  }
  return out + '}';
}
