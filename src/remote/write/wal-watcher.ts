// Tails promwasm's own WAL for a remote-write queue (Go's wlog.Watcher, by position instead of
// by time): series records build the ref → labels map, every other record after the queue's
// saved position is handed over item by item. The live segment is followed as it grows (fs.watch
// on the directory, and a short poll as a fallback) and through segment rotations.
//
// Where reading starts:
// - no saved position: the newest checkpoint (if any, all of it), then every segment after it;
// - a saved position in a segment that still exists: the checkpoint's series, then every segment
//   from the first, series only up to the position, everything after it;
// - a saved position the WAL no longer has (a checkpoint replaced its segment): reported, then
//   the checkpoint is forwarded (it holds the samples the DB kept) and the segments after it.

import { existsSync, watch, type FSWatcher } from 'node:fs';
import { CorruptionError } from '../../tsdb/encoding/errors.js';
import {
  RecordType, SampleColumns, decodeExemplars, decodeHistogramSamples, decodeMetadata, decodeSamples, decodeSeries,
  recordType, type RefExemplar, type RefHistogramSample, type RefMetadata, type RefSeries,
} from '../../tsdb/record/index.js';
import { lastCheckpoint, type CheckpointRef } from '../../tsdb/wal/checkpoint.js';
import { WalCorruptionError } from '../../tsdb/wal/errors.js';
import { WalReader } from '../../tsdb/wal/reader.js';
import { listSegments, segmentPath } from '../../tsdb/wal/segment.js';
import { comparePositions, type WalPosition } from './position.js';
import { SegmentTail } from './segment-tail.js';

/** Receives what the watcher reads. A returned promise holds the watcher until it settles (backpressure). */
export interface WalRecordSink {
  series(series: RefSeries[], at: WalPosition): void;
  metadata(metadata: RefMetadata[]): void;
  samples(samples: SampleColumns, at: WalPosition): void | Promise<void>;
  histograms(histograms: RefHistogramSample[], at: WalPosition): void | Promise<void>;
  exemplars(exemplars: RefExemplar[], at: WalPosition): void | Promise<void>;
  /** A record that carries nothing to send (tombstones, unknown types, a series record) was passed. */
  passed(at: WalPosition): void;
  /** Everything the WAL holds so far has been read. */
  caughtUp?(): void;
  /** The saved position is gone from the WAL; reading goes on from `checkpoint` (or the oldest segment). */
  positionLost(position: WalPosition, checkpoint: CheckpointRef | undefined): void;
  /** A record or fragment that cannot be read was skipped. */
  corruption(err: Error): void;
  /** A new checkpoint appeared while tailing (series it does not keep are gone for good). */
  checkpointed?(checkpoint: CheckpointRef): void;
}

export interface WalWatcherOptions {
  readonly walDir: string;
  /** Where the queue left off; undefined for a queue that never sent anything. */
  readonly from: WalPosition | undefined;
  readonly sink: WalRecordSink;
  /** Fallback poll while waiting for the live segment to grow (default 250 ms). */
  readonly pollMs?: number;
}

const DEFAULT_POLL_MS = 250;
/** The longest stretch the watcher reads without letting the event loop run. */
const BREATH_MS = 10;

export class WalWatcher {
  private stopped = false;
  /** Stop at the next point where nothing more is there to read. */
  private draining = false;
  private wake: (() => void) | undefined;
  private fsWatcher: FSWatcher | undefined;
  private readonly cols = new SampleColumns(1024);
  private running: Promise<void> | undefined;
  /** Records ending at or before this position give only their series. */
  private replayUntil: WalPosition | undefined;
  /** The segment being tailed (-1 before the first). */
  segment = -1;

  constructor(private readonly opts: WalWatcherOptions) {}

  start(): void {
    try {
      this.fsWatcher = watch(this.opts.walDir, { persistent: false }, () => this.notify());
      this.fsWatcher.on('error', () => undefined);
    } catch {
      // Polling alone still works.
    }
    this.running = this.run().catch((err: unknown) => this.opts.sink.corruption(err as Error));
  }

  /**
   * Resolves once everything the WAL holds has been handed over (the watcher then stops), or after
   * `timeoutMs`, whichever comes first: a graceful shutdown forwards what was acknowledged.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.notify();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Makes the watcher stop at its next step, without waiting for it (it may be held by the sink). */
  halt(): void {
    this.stopped = true;
    this.fsWatcher?.close();
    this.notify();
  }

  async stop(): Promise<void> {
    this.halt();
    await this.running;
  }

  /** Lets a waiting watcher look again (the WAL has grown). */
  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    const { walDir, from } = this.opts;
    let next = await this.startPoint(walDir, from);
    while (!this.stopped && next !== undefined) next = await this.tail(next);
  }

  /** Reads the checkpoint as the start rules say; returns the first segment to tail. */
  private async startPoint(walDir: string, from: WalPosition | undefined): Promise<number | undefined> {
    const segs = existsSync(walDir) ? listSegments(walDir) : [];
    const first = segs.length > 0 ? segs[0]!.index : undefined;
    const last = segs.length > 0 ? segs[segs.length - 1]!.index : undefined;
    const cp = existsSync(walDir) ? lastCheckpoint(walDir) : undefined;
    // A checkpoint whose segments still exist (a crash before truncation) adds nothing to them.
    const usefulCp = cp !== undefined && (first === undefined || cp.index < first) ? cp : undefined;
    const known = from !== undefined && first !== undefined && from.segment >= first && from.segment <= last!;
    if (known) {
      this.replayUntil = from;
      if (usefulCp) await this.readCheckpoint(usefulCp, true);
      return first;
    }
    if (from !== undefined) this.opts.sink.positionLost(from, usefulCp);
    if (usefulCp) await this.readCheckpoint(usefulCp, false);
    return usefulCp ? usefulCp.index + 1 : first ?? 0;
  }

  /**
   * The segment to read next is gone while newer ones exist (a truncation outran the queue):
   * reported, then the newest checkpoint is forwarded and reading goes on after it.
   */
  private async recover(segment: number): Promise<number> {
    const dir = this.opts.walDir;
    const segs = listSegments(dir);
    const first = segs.length > 0 ? segs[0]!.index : segment;
    const cp = lastCheckpoint(dir);
    const usefulCp = cp !== undefined && cp.index >= segment && cp.index < first ? cp : undefined;
    this.opts.sink.positionLost({ segment, offset: 0 }, usefulCp);
    if (usefulCp) await this.readCheckpoint(usefulCp, false);
    return usefulCp ? usefulCp.index + 1 : first;
  }

  /**
   * Reads a checkpoint: only its series (and metadata) when `seriesOnly`, else every record, each
   * given the position (checkpoint index, record number): a position in a segment that no longer
   * exists, so a restart before the next segment is reached reads the checkpoint again.
   */
  private async readCheckpoint(cp: CheckpointRef, seriesOnly: boolean): Promise<void> {
    const reader = new WalReader(listSegments(cp.dir));
    let n = 0;
    try {
      while (!this.stopped && reader.next()) {
        n++;
        const at = { segment: cp.index, offset: n };
        await this.handle(reader.record(), at, seriesOnly);
        await this.breathe();
      }
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      this.opts.sink.corruption(err);
    } finally {
      reader.close();
    }
  }

  /** Tails one segment to its end; returns the next segment to tail, or undefined when stopped. */
  private async tail(segment: number): Promise<number | undefined> {
    const dir = this.opts.walDir;
    if (!existsSync(segmentPath(dir, segment))) {
      const segs = listSegments(dir);
      if (segs.length > 0 && segs[0]!.index > segment) return this.recover(segment);
      if (!(await this.waitForSegment(segment))) return undefined;
    }
    this.segment = segment;
    const tail = new SegmentTail(dir, segment, 0);
    try {
      for (;;) {
        if (this.stopped) return undefined;
        let rec: Uint8Array | undefined;
        try {
          rec = tail.next();
        } catch (err) {
          if (!(err instanceof WalCorruptionError)) throw err;
          this.opts.sink.corruption(err);
          // Nothing more can be read from this segment: go on once the writer moved on.
          if (!(await this.waitForSegment(segment + 1))) return undefined;
          return segment + 1;
        }
        if (rec !== undefined) {
          const at = { segment, offset: tail.recordEnd };
          const seriesOnly = this.replayUntil !== undefined && comparePositions(at, this.replayUntil) <= 0;
          await this.handle(rec, at, seriesOnly);
          await this.breathe();
          continue;
        }
        // Nothing new: a newer segment means this one is finished (the writer pads and flushes a
        // segment before it creates the next), so read once more, then move on.
        if (existsSync(segmentPath(dir, segment + 1))) {
          if ((rec = tail.next()) !== undefined) {
            await this.handle(rec, { segment, offset: tail.recordEnd }, false);
            continue;
          }
          if (tail.torn) this.opts.sink.corruption(new WalCorruptionError(dir, segment, tail.recordEnd, 'torn record at the end of a finished segment skipped'));
          this.noticeCheckpoint();
          return segment + 1;
        }
        this.opts.sink.caughtUp?.();
        if (this.draining) return undefined;
        await this.sleep();
      }
    } finally {
      tail.close();
    }
  }

  private lastCheckpoint = -1;
  private lastBreath = 0;

  /** Tells the sink about a checkpoint newer than the last one seen (checked at segment changes). */
  private noticeCheckpoint(): void {
    const cp = lastCheckpoint(this.opts.walDir);
    if (cp === undefined || cp.index <= this.lastCheckpoint) return;
    this.lastCheckpoint = cp.index;
    this.opts.sink.checkpointed?.(cp);
  }

  /** Waits until segment `segment` exists; false when stopped first. */
  private async waitForSegment(segment: number): Promise<boolean> {
    while (!this.stopped) {
      if (existsSync(segmentPath(this.opts.walDir, segment))) return true;
      this.opts.sink.caughtUp?.();
      if (this.draining) return false;
      await this.sleep();
    }
    return false;
  }

  /**
   * Lets the event loop run every few milliseconds: a record handed over without backpressure
   * resolves at once, so a long read (a backlog, the series of a big WAL) would otherwise hold
   * every socket and timer of the process.
   */
  private breathe(): Promise<void> | void {
    const now = performance.now();
    if (now - this.lastBreath < BREATH_MS) return;
    this.lastBreath = now;
    return new Promise((resolve) => setImmediate(resolve));
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.notify(), this.opts.pollMs ?? DEFAULT_POLL_MS);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private handle(rec: Uint8Array, at: WalPosition, seriesOnly: boolean): void | Promise<void> {
    const sink = this.opts.sink;
    try {
      switch (recordType(rec)) {
        case RecordType.Series:
          sink.series(decodeSeries(rec), at);
          return sink.passed(at);
        case RecordType.Metadata:
          sink.metadata(decodeMetadata(rec));
          return sink.passed(at);
        case RecordType.Samples:
          if (seriesOnly) return sink.passed(at);
          return sink.samples(decodeSamples(rec, this.cols), at);
        case RecordType.HistogramSamples:
        case RecordType.FloatHistogramSamples:
          if (seriesOnly) return sink.passed(at);
          return sink.histograms(decodeHistogramSamples(rec), at);
        case RecordType.Exemplars:
          if (seriesOnly) return sink.passed(at);
          return sink.exemplars(decodeExemplars(rec), at);
        default:
          return sink.passed(at);
      }
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      sink.corruption(new WalCorruptionError(this.opts.walDir, at.segment, at.offset, `decode record: ${err.message}`));
      return sink.passed(at);
    }
  }
}
