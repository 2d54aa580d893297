// What the 1.0 and 2.0 ingest paths share: their result, their logger, and the guard against
// samples from the future.

import { StorageError } from '../storage/errors.js';

/** How long after "now" a timestamp may lie (Prometheus 2.54+ `maxAheadTime`). */
export const MAX_AHEAD_MS = 10 * 60 * 1000;

export interface Written {
  samples: number;
  histograms: number;
  exemplars: number;
}

export interface IngestResult {
  /** 204, or 400 (the sender must not retry) or 500 (it retries). */
  readonly status: 204 | 400 | 500;
  /** For 400/500: the messages, one per line, without a final newline. */
  readonly message: string;
  /** What was committed (all zero when nothing was). */
  readonly written: Written;
}

/** The slice of a pino/fastify logger the ingest paths use. */
export interface IngestLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface IngestOptions {
  /** Newest timestamp (ms) accepted; later samples are out of bounds. */
  readonly maxTimeMs: number;
  readonly logger: IngestLogger;
}

export const noneWritten = (): Written => ({ samples: 0, histograms: 0, exemplars: 0 });

/** Index of the first timestamp in `ts[start, end)` above `maxTime`, or `end`. */
export function firstBeyond(ts: Float64Array, start: number, end: number, maxTime: number): number {
  let i = start;
  while (i < end && ts[i]! <= maxTime) i++;
  return i;
}

export const errTooFarInFuture = (): StorageError =>
  new StorageError('OUT_OF_BOUNDS', 'out of bounds: timestamp is too far in the future');

/**
 * Storage's verdict "the data is wrong", answered with 400; anything else is a 500. Native
 * histograms arriving while storage has them disabled count as wrong data too: retrying
 * cannot help, and a 500 would make the sender retry them forever.
 */
export function isBadData(err: unknown): err is StorageError {
  return err instanceof StorageError && (err.isBadData || err.code === 'NATIVE_HISTOGRAMS_DISABLED');
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
