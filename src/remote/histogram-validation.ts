// The checks a native histogram must pass before it reaches storage. Prometheus 3.x answers
// 400 for histograms that fail its validation (model/histogram: ErrHistogramSpansBucketsMismatch
// and friends); 2.42 passed them to the head unchecked. Only exponential schemas are accepted:
// custom buckets (schema -53) need `custom_values`, which storage does not keep.

import type { BucketSpan } from '../storage/interface.js';
import type { DecodedHistogram } from './decoded-request.js';

export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;
const CUSTOM_BUCKETS_SCHEMA = -53;

/** Why `h` cannot be stored, or null. */
export function histogramError(h: DecodedHistogram): string | null {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) return 'histograms with custom buckets (schema -53) are not supported';
  if (h.schema < MIN_SCHEMA || h.schema > MAX_SCHEMA) {
    return `histogram has an invalid schema, which must be between ${MIN_SCHEMA} and ${MAX_SCHEMA}, got schema ${h.schema}`;
  }
  return (
    spansError('negative', h.negativeSpans, h.negativeBuckets.length) ??
    spansError('positive', h.positiveSpans, h.positiveBuckets.length)
  );
}

function spansError(side: string, spans: readonly BucketSpan[], buckets: number): string | null {
  let need = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    if (i > 0 && span.offset < 0) {
      return `${side} side: span number ${i + 1} with offset ${span.offset}: histogram has a span whose offset is negative`;
    }
    need += span.length;
  }
  if (need !== buckets) {
    return `${side} side: spans need ${need} buckets, have ${buckets} buckets: histogram spans specify different number of buckets than provided`;
  }
  return null;
}
