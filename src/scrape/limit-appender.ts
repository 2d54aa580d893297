// Appender wrappers the scrape loop puts around storage for a target's samples (not its report
// series), after Prometheus 2.42's limitAppender and timeLimitAppender (scrape/target.go).

import { errOutOfBounds, StorageError } from '../storage/errors.js';
import type { Labels } from '../model/labels.js';
import type { Appender, Exemplar, Histogram, Metadata, SeriesRef } from '../storage/interface.js';

/** Samples more than this far ahead of the scrape are out of bounds. */
export const MAX_AHEAD_MS = 10 * 60 * 1000;

export const errSampleLimit = (): StorageError => new StorageError('SAMPLE_LIMIT', 'sample limit exceeded');

/**
 * Refuses samples stamped after `maxTime` (out of bounds) and, with a limit above 0, every sample
 * past the first `sampleLimit` that is not a stale marker (sample limit exceeded).
 */
export class ScrapeLimitAppender implements Appender {
  private appended = 0;

  constructor(
    private readonly inner: Appender,
    private readonly sampleLimit: number,
    private readonly maxTime: number,
  ) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const ts = new Float64Array([t]);
    const vs = new Float64Array([v]);
    return this.appendSamples(ref, labels, ts, vs, 0, 1);
  }

  appendSamples(ref: SeriesRef, labels: Labels, ts: Float64Array, vs: Float64Array, start: number, end: number): SeriesRef {
    const bits = new BigUint64Array(vs.buffer, vs.byteOffset, vs.length);
    for (let i = start; i < end; i++) {
      if (ts[i]! > this.maxTime) throw withAppended(errOutOfBounds(), i - start);
      if (this.sampleLimit > 0 && bits[i] !== STALE_NAN_BITS) {
        this.appended++;
        if (this.appended > this.sampleLimit) throw withAppended(errSampleLimit(), i - start);
      }
    }
    return this.inner.appendSamples(ref, labels, ts, vs, start, end);
  }

  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: Histogram): SeriesRef {
    if (t > this.maxTime) throw errOutOfBounds();
    if (this.sampleLimit > 0 && ++this.appended > this.sampleLimit) throw errSampleLimit();
    return this.inner.appendHistogram(ref, labels, t, h);
  }

  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef {
    return this.inner.appendExemplar(ref, labels, e);
  }

  updateMetadata(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef {
    return this.inner.updateMetadata(ref, labels, m);
  }

  commit(): Promise<void> {
    return this.inner.commit();
  }

  rollback(): Promise<void> {
    return this.inner.rollback();
  }
}

export const STALE_NAN_BITS = 0x7ff0000000000002n;

/** A one-element array holding the stale marker: pass it to appendSamples, never the number. */
export const STALE_NAN_VALUES: Float64Array = new Float64Array(new BigUint64Array([STALE_NAN_BITS]).buffer);

function withAppended(err: StorageError, appended: number): StorageError {
  err.appended = appended;
  return err;
}
