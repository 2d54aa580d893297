// Remote write 1.0 into storage, with the semantics of Prometheus 2.42
// (storage/remote/write_handler.go): one appender for the whole request; the first sample
// storage refuses rolls the whole request back, answered 400 when the data is at fault (out of
// order, duplicate, out of bounds, too old) and 500 otherwise; exemplar errors are ignored;
// the request's metadata list is not stored (Prometheus ignores it too: it names metric
// families, not series).
//
// Where later versions fixed 2.42, this follows the fix (see the report of each decision):
//   - too old (out-of-order window) is 400, as from 2.50 (2.42: 500);
//   - timestamps more than 10 minutes ahead are out of bounds, as from 2.54 (2.42 stored them,
//     and one far-future sample moves the head forward and makes every normal sample out of bounds);
//   - histograms are float or integer by the `count` oneof, as later versions do (2.42 took a
//     float histogram whose counts are all zero for an integer one);
//   - a series with an invalid label set (repeated or empty name, nothing left) is skipped, the
//     rest is stored and the answer is 400 naming it: 2.42 answered 500 for repeated names
//     (the sender retries forever), 2.55 skips silently; the 1.0 spec asks for a 400 and lets
//     receivers keep the valid series;
//   - invalid native histograms and disabled native histograms are 400 (the sender cannot fix
//     them by retrying), as Prometheus 3.x does for the former.

import type { Appendable, Appender } from '../storage/interface.js';
import type { DecodedWriteRequest } from './decoded-request.js';
import { histogramError } from './histogram-validation.js';
import {
  errTooFarInFuture,
  firstBeyond,
  isBadData,
  messageOf,
  noneWritten,
  type IngestOptions,
  type IngestResult,
  type Written,
} from './ingest-common.js';
import { StorageError } from '../storage/errors.js';
import { labelsOfRun } from './decode-v1.js';
import { RELEASED_LABELS } from './series-labels.js';

export async function ingestV1(appendable: Appendable, req: DecodedWriteRequest, opts: IngestOptions): Promise<IngestResult> {
  const app = appendable.appender();
  const written = noneWritten();
  const skipped: string[] = [];
  try {
    for (let i = 0; i < req.seriesCount; i++) {
      const error = req.seriesSets[i]!.error;
      if (error) {
        skipped.push(error);
        continue;
      }
      appendSeries(app, req, i, opts, written);
    }
  } catch (err) {
    await app.rollback();
    if (isBadData(err)) {
      opts.logger.warn({ err: messageOf(err) }, 'Remote write request rejected');
      return { status: 400, message: messageOf(err), written: noneWritten() };
    }
    opts.logger.error({ err: messageOf(err) }, 'Error appending remote write');
    return { status: 500, message: messageOf(err), written: noneWritten() };
  }
  try {
    await app.commit();
  } catch (err) {
    opts.logger.error({ err: messageOf(err) }, 'Error committing remote write');
    return { status: 500, message: messageOf(err), written: noneWritten() };
  }
  if (skipped.length > 0) {
    opts.logger.warn({ series: skipped.length }, 'Remote write series with invalid labels skipped');
    return { status: 400, message: skipped.join('\n'), written };
  }
  return { status: 204, message: '', written };
}

/**
 * Appends series i. A cached label set may have released its labels (NormalizedLabels.labels):
 * its ref then stands for them, and should the storage have dropped that series meanwhile (idle
 * through a head truncation) it refuses the empty label set before appending anything; the
 * labels are decoded again from the request and the series appended anew. Throws to roll back.
 */
function appendSeries(app: Appender, req: DecodedWriteRequest, i: number, opts: IngestOptions, written: Written): void {
  const set = req.seriesSets[i]!;
  try {
    appendSeriesData(app, req, i, opts, written);
  } catch (err) {
    if (set.labels !== RELEASED_LABELS || !(err instanceof StorageError && err.code === 'INVALID_LABELS')) throw err;
    set.labels = labelsOfRun(req, i).labels;
    set.ref = 0;
    appendSeriesData(app, req, i, opts, written);
  }
  if (set.ref !== 0 && req.labelRunEnd[i]! > req.labelRunStart[i]!) set.labels = RELEASED_LABELS;
}

/** Samples, then exemplars, then histograms of series i, as Prometheus appends them. */
function appendSeriesData(app: Appender, req: DecodedWriteRequest, i: number, opts: IngestOptions, written: Written): void {
  const set = req.seriesSets[i]!;
  const labels = set.labels;
  let ref = set.ref;
  const start = req.sampleStart[i]!;
  const end = req.sampleStart[i + 1]!;
  if (end > start) {
    const cut = firstBeyond(req.timestamps, start, end, opts.maxTimeMs);
    if (cut > start) ref = set.ref = app.appendSamples(ref, labels, req.timestamps, req.values, start, cut);
    if (cut < end) throw errTooFarInFuture();
    written.samples += end - start;
  }
  for (let k = req.exemplarStart[i]!; k < req.exemplarStart[i + 1]!; k++) {
    const e = req.exemplars[k]!;
    try {
      ref = app.appendExemplar(ref, labels, e);
      written.exemplars++;
    } catch (err) {
      // Exemplar storage is best effort: Prometheus never fails a request for an exemplar.
      opts.logger.debug({ err: messageOf(err), ts: e.ts }, 'Error while adding exemplar');
    }
  }
  for (let k = req.histogramStart[i]!; k < req.histogramStart[i + 1]!; k++) {
    const h = req.histograms[k]!;
    const invalid = histogramError(h);
    if (invalid !== null) throw new StorageError('INVALID_SAMPLE', invalid);
    if (h.timestamp > opts.maxTimeMs) throw errTooFarInFuture();
    ref = app.appendHistogram(ref, labels, h.timestamp, h);
    written.histograms++;
  }
}
