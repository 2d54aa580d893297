// Remote write 2.0 into storage, with the semantics of Prometheus 2.55/3.x (writeV2/appendV2
// in storage/remote/write_handler.go): each series stands alone. A series that cannot be
// stored (bad symbol references, invalid labels, no `__name__`, no sample at all) and every
// sample or histogram storage refuses as bad data is reported and skipped; the rest is
// committed and the answer is 400 with one line per problem (identical lines once). Any other
// storage error rolls everything back: 500, and nothing written.
//
// Decisions: exemplars that storage refuses as out of order are reported (as Prometheus);
// other exemplar errors are logged only. Metadata is stored per series when the series carries
// it. Created/start timestamps are decoded but not ingested (Prometheus does so only behind
// its created-timestamp-zero-ingestion feature flag).

import { METRIC_NAME, getLabel, type Labels } from '../model/labels.js';
import { formatLabels } from '../format/labels.js';
import { StorageError } from '../storage/errors.js';
import type { Appender, Appendable } from '../storage/interface.js';
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

export async function ingestV2(appendable: Appendable, req: DecodedWriteRequest, opts: IngestOptions): Promise<IngestResult> {
  const app = appendable.appender();
  const written = noneWritten();
  const problems = new Set<string>();
  try {
    for (let i = 0; i < req.seriesCount; i++) appendSeries(app, req, i, opts, written, problems);
  } catch (err) {
    await app.rollback();
    opts.logger.error({ err: messageOf(err) }, 'Error appending remote write 2.0 request');
    return { status: 500, message: messageOf(err), written: noneWritten() };
  }
  try {
    await app.commit();
  } catch (err) {
    opts.logger.error({ err: messageOf(err) }, 'Error committing remote write 2.0 request');
    return { status: 500, message: messageOf(err), written: noneWritten() };
  }
  if (problems.size > 0) {
    opts.logger.warn({ problems: problems.size }, 'Remote write 2.0 request partially rejected');
    return { status: 400, message: [...problems].join('\n'), written };
  }
  return { status: 204, message: '', written };
}

function appendSeries(app: Appender, req: DecodedWriteRequest, i: number, opts: IngestOptions, written: Written, problems: Set<string>): void {
  const set = req.seriesSets[i]!;
  const error = set.error;
  if (error) {
    problems.add(error);
    return;
  }
  const labels = set.labels;
  if (getLabel(labels, METRIC_NAME) === undefined) {
    problems.add(`invalid metric name or labels, got ${formatLabels(labels)}`);
    return;
  }
  const sampleStart = req.sampleStart[i]!;
  const sampleEnd = req.sampleStart[i + 1]!;
  const histogramStart = req.histogramStart[i]!;
  const histogramEnd = req.histogramStart[i + 1]!;
  if (sampleEnd === sampleStart && histogramEnd === histogramStart) {
    problems.add(`TimeSeries must contain at least one sample or histogram for series ${formatLabels(labels)}`);
    return;
  }

  let ref = 0;
  let k = sampleStart;
  while (k < sampleEnd) {
    const cut = firstBeyond(req.timestamps, k, sampleEnd, opts.maxTimeMs);
    if (cut > k) {
      try {
        ref = app.appendSamples(ref, labels, req.timestamps, req.values, k, cut);
        written.samples += cut - k;
        k = cut;
      } catch (err) {
        if (!isBadData(err)) throw err;
        written.samples += err.appended;
        problems.add(`${err.message} for series ${formatLabels(labels)}`);
        k += err.appended + 1;
        continue;
      }
    }
    if (k < sampleEnd) {
      problems.add(`${errTooFarInFuture().message} for series ${formatLabels(labels)}`);
      k++;
    }
  }

  for (let h = histogramStart; h < histogramEnd; h++) {
    const histogram = req.histograms[h]!;
    const invalid = histogramError(histogram);
    if (invalid !== null) {
      problems.add(`${invalid} for series ${formatLabels(labels)}`);
      continue;
    }
    if (histogram.timestamp > opts.maxTimeMs) {
      problems.add(`${errTooFarInFuture().message} for series ${formatLabels(labels)}`);
      continue;
    }
    try {
      ref = app.appendHistogram(ref, labels, histogram.timestamp, histogram);
      written.histograms++;
    } catch (err) {
      if (!isBadData(err)) throw err;
      problems.add(`${err.message} for series ${formatLabels(labels)}`);
    }
  }

  ref = appendExemplars(app, req, i, ref, labels, opts, written, problems);

  const metadata = req.seriesMetadata[i];
  if (metadata) {
    try {
      app.updateMetadata(ref, labels, metadata);
    } catch (err) {
      opts.logger.debug({ err: messageOf(err), series: formatLabels(labels) }, 'Error while updating metadata from remote write');
    }
  }
}

function appendExemplars(app: Appender, req: DecodedWriteRequest, i: number, ref: number, labels: Labels, opts: IngestOptions, written: Written, problems: Set<string>): number {
  for (let k = req.exemplarStart[i]!; k < req.exemplarStart[i + 1]!; k++) {
    const e = req.exemplars[k]!;
    try {
      ref = app.appendExemplar(ref, labels, e);
      written.exemplars++;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'OUT_OF_ORDER_EXEMPLAR') {
        problems.add(`${err.message} for series ${formatLabels(labels)}`);
      } else {
        opts.logger.warn({ err: messageOf(err), series: formatLabels(labels) }, 'Failed to ingest exemplar');
      }
    }
  }
  return ref;
}
