// Backfilling: OpenMetrics text with timestamps in, one TSDB block per block-duration window out, holding
// what promtool 2.42's `tsdb create-blocks-from openmetrics` writes (cmd/promtool/backfill.go).
//
// As promtool: a first pass finds the smallest and largest timestamp (and refuses a sample without one);
// then each window [t, t + blockDuration), starting at the smallest timestamp truncated toward zero to a
// multiple of the duration, parses the whole input again, appends the samples inside the window through
// a head (window-head.ts: 5000 appends per commit, its duplicate and ordering rules) and writes a block.
// Windows that the previous pass saw no sample for are skipped without parsing. Errors carry promtool's
// message, prefixes included, so the command can print them as they are.
//
// One deliberate difference: timestamps must be integers of at most 2^53 ms (year 287,396). Larger ones
// cannot be numbers here without losing digits; promtool turns every one past int64 into -2^63 and then
// walks 1.3 trillion empty windows from there.

import { formatLabels } from '../../format/index.js';
import { Entry, OpenMetricsParser, TextParseError } from '../../textparse/index.js';
import type { BlockMeta } from '../block/meta.js';
import { DEFAULT_BLOCK_DURATION, writeBlock } from '../block/writer.js';
import { AppendError, WindowHead } from './window-head.js';

/** A failed backfill; `message` is what promtool prints for the same failure. */
export class BackfillError extends Error {
  override readonly name = 'BackfillError';
}

export interface BackfillProgress {
  /** 0 for the scan for the time range, then the window's number (1-based). */
  readonly pass: number;
  /** Windows in the time range (some may hold no samples and are skipped); 0 while scanning. */
  readonly windows: number;
  /** Bytes of the input parsed in this pass. */
  readonly offset: number;
  readonly total: number;
  /** Samples appended so far, in all windows. */
  readonly samples: number;
}

export interface BackfillOptions {
  /** --max-block-duration in ms; anything up to 2h means 2h, larger picks one of Prometheus's block ranges. */
  readonly maxBlockDuration?: number;
  /** Called after each block is written, in time order. */
  readonly onBlock?: (meta: BlockMeta) => void | Promise<void>;
  /** Called now and then while parsing (every 64Ki entries) and at the end of each pass. */
  readonly onProgress?: (progress: BackfillProgress) => void;
}

/** Largest timestamp magnitude accepted: numbers are exact integers up to here. */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;
const PROGRESS_EVERY = 1 << 16;

/**
 * The block duration promtool uses for --max-block-duration (ms): 2h, or for more than 2h the largest of
 * Prometheus's exponential block ranges (2h × 3^k, k < 10) not above it.
 */
export function compatibleBlockDuration(maxBlockDuration: number): number {
  if (maxBlockDuration <= DEFAULT_BLOCK_DURATION) return DEFAULT_BLOCK_DURATION;
  let range = DEFAULT_BLOCK_DURATION;
  for (let k = 1; k < 10 && range * 3 <= maxBlockDuration; k++) range *= 3;
  return range;
}

/**
 * Writes the blocks for `input` (OpenMetrics, `# EOF` included) into `outputDir`, which must exist, and
 * returns their metas. Blocks of earlier windows stay when a later window fails, as with promtool; the
 * failing window's block is never renamed into place.
 */
export async function backfillOpenMetrics(input: Uint8Array, outputDir: string, options: BackfillOptions = {}): Promise<BlockMeta[]> {
  const progress = options.onProgress;
  const { mint, maxt } = timeRange(input, progress);
  const blockDuration = compatibleBlockDuration(options.maxBlockDuration ?? 0);
  const firstWindow = blockDuration * Math.trunc(mint / blockDuration); // Go's integer division
  const windows = Math.floor((maxt - firstWindow) / blockDuration) + 1;
  const written: BlockMeta[] = [];
  let samples = 0;

  for (let t = firstWindow, nextSample = t; t <= maxt; t += blockDuration) {
    // Jump straight to the window of the earliest sample the previous pass saw after its own window.
    if (nextSample === Infinity) break;
    if (nextSample >= t + blockDuration) t += Math.floor((nextSample - t) / blockDuration) * blockDuration;
    const pass = Math.floor((t - firstWindow) / blockDuration) + 1;
    const window = fillWindow(input, t, t + blockDuration, (offset, appended) =>
      progress?.({ pass, windows, offset, total: input.length, samples: samples + appended }),
    );
    samples += window.appended;
    nextSample = window.nextSample;
    if (window.head.numSeries === 0) continue; // promtool: ErrNoSeriesAppended, nothing written
    let meta: BlockMeta | undefined;
    try {
      // promtool's head has twice the block duration as chunk range (backfill.go says why).
      meta = await writeBlock(outputDir, window.head.contents(), { chunkRange: 2 * blockDuration });
    } catch (e) {
      throw new BackfillError(`block creation: process blocks: flush: ${(e as Error).message}`);
    }
    if (!meta) continue;
    written.push(meta);
    await options.onBlock?.(meta);
  }
  return written;
}

/** promtool's first pass: the smallest and largest timestamp, 0 for both without samples. */
export function timeRange(input: Uint8Array, progress?: BackfillOptions['onProgress']): { mint: number; maxt: number } {
  const p = new OpenMetricsParser(input);
  let mint = Infinity;
  let maxt = -Infinity;
  let entries = 0;
  for (;;) {
    const e = nextEntry(p, 'getting min and max timestamp: next: ');
    if (e === Entry.Eof) break;
    if (++entries % PROGRESS_EVERY === 0) progress?.({ pass: 0, windows: 0, offset: p.offset, total: input.length, samples: 0 });
    if (e !== Entry.Series) continue;
    if (!p.hasTimestamp()) throw new BackfillError('getting min and max timestamp: expected timestamp for series got none');
    const t = p.timestamp();
    if (Math.abs(t) > MAX_TIMESTAMP) {
      throw new BackfillError(
        `getting min and max timestamp: timestamp ${BigInt(t)} ms of series ${formatLabels(p.labels())} is beyond ±2^53 ms, which promwasm does not support`,
      );
    }
    if (t < mint) mint = t;
    if (t > maxt) maxt = t;
  }
  progress?.({ pass: 0, windows: 0, offset: input.length, total: input.length, samples: 0 });
  return mint === Infinity ? { mint: 0, maxt: 0 } : { mint, maxt };
}

interface FilledWindow {
  readonly head: WindowHead;
  /** Samples appended (those a commit drops included). */
  readonly appended: number;
  /** The earliest timestamp at or after the window's end; Infinity if none. */
  readonly nextSample: number;
}

/** promtool's second pass for one window: every sample in [lo, hi) through a head, in input order. */
function fillWindow(input: Uint8Array, lo: number, hi: number, progress: (offset: number, appended: number) => void): FilledWindow {
  const p = new OpenMetricsParser(input);
  const head = new WindowHead();
  // The head is looked up by label set; the series text as written is a cheaper key for the same series.
  const seriesByText = new Map<string, ReturnType<WindowHead['seriesFor']>>();
  let nextSample = Infinity;
  let appended = 0;
  let entries = 0;
  for (;;) {
    const e = nextEntry(p, 'block creation: process blocks: parse: ');
    if (e === Entry.Eof) break;
    if (++entries % PROGRESS_EVERY === 0) progress(p.offset, appended);
    if (e !== Entry.Series) continue;
    const t = p.timestamp(); // the first pass made sure there is one
    if (t < lo) continue;
    if (t >= hi) {
      if (t < nextSample) nextSample = t;
      continue;
    }
    const text = p.seriesKey();
    try {
      let series = seriesByText.get(text);
      if (!series) seriesByText.set(text, (series = head.seriesFor(p.labels())));
      head.append(series, t, p);
    } catch (err) {
      if (err instanceof AppendError) throw new BackfillError(`block creation: process blocks: add sample: ${err.message}`);
      throw err;
    }
    appended++;
  }
  head.commit();
  progress(input.length, appended);
  return { head, appended, nextSample };
}

function nextEntry(p: OpenMetricsParser, prefix: string): number {
  try {
    return p.next();
  } catch (e) {
    if (e instanceof TextParseError) throw new BackfillError(prefix + e.reason);
    throw e;
  }
}

