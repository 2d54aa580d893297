import type { Exemplar, Metadata } from '../../storage/interface.js';
import type { SampleBatch } from './sample-batch.js';
import type { MemSeries } from './series.js';

/**
 * What one appender commit writes to the WAL before it is applied: the series it
 * created, metadata, float samples as columns (value bits untouched), exemplars.
 * Views are valid only during CommitLog.log().
 */
export interface Transaction {
  readonly series: readonly MemSeries[];
  readonly metadata: readonly { readonly ref: number; readonly meta: Metadata }[];
  readonly sampleRefs: Uint32Array;
  readonly sampleTs: Float64Array;
  readonly sampleVs: Float64Array;
  readonly exemplars: readonly { readonly ref: number; readonly exemplar: Exemplar }[];
}

/**
 * The head's write-ahead log seam. log() must have handed the records to the
 * operating system (a write syscall) when it returns: after that the transaction
 * survives a kill of the process.
 */
export interface CommitLog {
  log(tx: Transaction): void;
}

/** Where the samples a commit took out of order are logged (the write-behind log). */
export interface OutOfOrderLog {
  logOutOfOrder(cols: SampleBatch): void;
}
