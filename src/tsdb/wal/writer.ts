import { close as closeAsync, closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { WalCorruptionError } from './errors.js';
import { WalReader } from './reader.js';
import {
  DEFAULT_SEGMENT_SIZE, FragmentType, HEADER_SIZE, PAGE_SIZE, SNAPPY_FLAG, listSegments, segmentName, segmentPath,
} from './segment.js';
import { snappyCompress } from './snappy.js';

export interface WalWriterOptions {
  /** Snappy-compress each record when that makes it smaller (Prometheus 2.42's default). Default true. */
  readonly compress?: boolean;
  /** Segment size limit in bytes, a multiple of 32 KiB. Default 128 MiB. */
  readonly segmentSize?: number;
}

/** An open segment file. */
interface ActiveSegment {
  readonly index: number;
  readonly fd: number;
}

/**
 * Appends records to a WAL directory in Prometheus's exact page and fragment format
 * (Go's wlog.WL): fragments never cross 32 KiB pages, a page with fewer than 7 free bytes is
 * zero-padded, a record never spans two segments, and segments are cut at `segmentSize`.
 *
 * Durability: log() hands every byte to the kernel with write(2) before it returns, so logged
 * records survive a kill of the process. fsync happens when a segment is closed (in the
 * background after a cut, awaited by close()), as in Prometheus. Single-threaded: all calls are
 * synchronous except close().
 */
export class WalWriter {
  readonly compress: boolean;
  readonly segmentSize: number;
  private active: ActiveSegment;
  private readonly page = new Uint8Array(PAGE_SIZE);
  /** Bytes of the page in use, and how many of them are already written to the file. */
  private alloc = 0;
  private flushed = 0;
  /** Whole pages already in the active segment. */
  private donePages = 0;
  private closed = false;
  private readonly syncs = new Set<Promise<void>>();
  private backgroundError: Error | undefined;

  private constructor(readonly dir: string, opts: WalWriterOptions) {
    this.compress = opts.compress ?? true;
    this.segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (this.segmentSize <= 0 || this.segmentSize % PAGE_SIZE !== 0) {
      throw new RangeError(`invalid segment size ${this.segmentSize}: must be a positive multiple of ${PAGE_SIZE}`);
    }
    mkdirSync(dir, { recursive: true });
    const segs = listSegments(dir);
    // Like Prometheus, never append to an existing segment: start the one after the last.
    const next = segs.length === 0 ? 0 : segs[segs.length - 1]!.index + 1;
    this.active = this.createSegment(next);
  }

  /** Opens (creating if needed) the WAL in `dir` and starts a new segment after the existing ones. */
  static open(dir: string, opts: WalWriterOptions = {}): WalWriter {
    return new WalWriter(dir, opts);
  }

  /** Index of the segment being written. */
  get segment(): number {
    return this.active.index;
  }

  /**
   * Writes the records, in order, and hands them to the kernel before returning. The caller may
   * reuse the record buffers afterwards. On an I/O error the bytes not yet written stay queued
   * and go out with the next call, as in Prometheus.
   */
  log(records: readonly Uint8Array[]): void {
    this.checkOpen();
    for (let i = 0; i < records.length; i++) this.logOne(records[i]!, i === records.length - 1);
  }

  private logOne(raw: Uint8Array, final: boolean): void {
    if (this.pageFull()) this.flushPage(true);

    let rec = raw;
    let flag = 0;
    if (this.compress && raw.length > 0) {
      const compressed = snappyCompress(raw);
      if (compressed.length < raw.length) {
        rec = compressed;
        flag = SNAPPY_FLAG;
      }
    }

    // A record never spans segments: cut when it does not fit in what is left of this one.
    const pagesLeft = this.segmentSize / PAGE_SIZE - this.donePages - 1;
    const room = PAGE_SIZE - this.alloc - HEADER_SIZE + (PAGE_SIZE - HEADER_SIZE) * pagesLeft;
    if (rec.length > room) this.nextSegment();

    // At least one fragment, so an empty record is written too.
    let pos = 0;
    for (let i = 0; i === 0 || pos < rec.length; i++) {
      const n = Math.min(rec.length - pos, PAGE_SIZE - this.alloc - HEADER_SIZE);
      const last = pos + n === rec.length;
      const type = i === 0 ? (last ? FragmentType.Full : FragmentType.First) : last ? FragmentType.Last : FragmentType.Middle;
      const part = rec.subarray(pos, pos + n);
      const crc = crc32c(part);
      const p = this.page;
      const a = this.alloc;
      p[a] = type | flag;
      p[a + 1] = n >>> 8;
      p[a + 2] = n;
      p[a + 3] = crc >>> 24;
      p[a + 4] = crc >>> 16;
      p[a + 5] = crc >>> 8;
      p[a + 6] = crc;
      p.set(part, a + HEADER_SIZE);
      this.alloc = a + HEADER_SIZE + n;
      if (this.pageFull()) this.flushPage(true);
      pos += n;
    }

    if (final && this.alloc > 0) this.flushPage(false);
  }

  private pageFull(): boolean {
    return PAGE_SIZE - this.alloc < HEADER_SIZE;
  }

  /**
   * Writes the unwritten part of the page. With `clear` (or when the page is full) the page is
   * first zero-padded to 32 KiB and then started afresh.
   */
  private flushPage(clear: boolean): void {
    clear ||= this.pageFull();
    if (clear) {
      this.page.fill(0, this.alloc);
      this.alloc = PAGE_SIZE;
    }
    while (this.flushed < this.alloc) {
      this.flushed += writeSync(this.active.fd, this.page, this.flushed, this.alloc - this.flushed);
    }
    if (clear) {
      this.alloc = 0;
      this.flushed = 0;
      this.donePages++;
    }
  }

  /**
   * Closes the active segment (padding its last page if it holds data) and starts the next one;
   * the old segment is fsynced and closed in the background. Returns the new segment's index.
   */
  nextSegment(): number {
    this.checkOpen();
    if (this.alloc > 0) this.flushPage(true);
    const prev = this.active;
    this.active = this.createSegment(prev.index + 1);
    this.syncAndCloseInBackground(prev.fd);
    return this.active.index;
  }

  /** Deletes every segment with an index below `index` (after a checkpoint covered them). */
  truncate(index: number): void {
    for (const s of listSegments(this.dir)) {
      if (s.index >= index) break;
      rmSync(join(this.dir, s.name));
    }
  }

  /**
   * Repairs the WAL after replay stopped at `err` (Go's WL.Repair), before anything is logged:
   * deletes every segment after the corrupted one, rewrites the corrupted segment with the
   * records that end before the corruption offset (re-fragmented and re-compressed by this
   * writer, last page padded), then continues in a new segment after it. Corruption in a
   * checkpoint cannot be repaired this way and is refused.
   */
  repair(err: WalCorruptionError): void {
    this.checkOpen();
    if (err.dir !== this.dir) throw new Error(`cannot repair ${err.file}: not a segment of ${this.dir}`, { cause: err });
    if (this.alloc > 0 || this.donePages > 0) throw new Error('repair must run before anything is logged');
    closeSync(this.active.fd);
    for (const s of listSegments(this.dir)) {
      if (s.index > err.segment) rmSync(join(this.dir, s.name));
    }
    const path = segmentPath(this.dir, err.segment);
    const tmp = `${path}.repair`;
    renameSync(path, tmp);
    this.active = this.createSegment(err.segment);
    const reader = new WalReader([{ dir: this.dir, name: `${segmentName(err.segment)}.repair`, index: err.segment }]);
    try {
      while (reader.next() && reader.offset < err.offset) this.log([reader.record()]);
    } catch (e) {
      // The reader meets the same corruption again; everything before it has been re-logged.
      if (!(e instanceof WalCorruptionError)) throw e;
    } finally {
      reader.close();
    }
    this.flushPage(true);
    rmSync(tmp);
    fsyncSync(this.active.fd);
    closeSync(this.active.fd);
    this.active = this.createSegment(err.segment + 1);
  }

  /** fsyncs the active segment. */
  sync(): Promise<void> {
    const fd = this.active.fd;
    return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
  }

  /**
   * Pads and writes the last page (if it holds data), waits for background fsyncs, fsyncs and
   * closes the active segment. Rejects with the first background fsync error, if any.
   */
  async close(): Promise<void> {
    this.checkOpen();
    if (this.alloc > 0) this.flushPage(true);
    this.closed = true;
    await Promise.all(this.syncs);
    const fd = this.active.fd;
    try {
      await this.sync();
    } finally {
      closeSync(fd);
    }
    if (this.backgroundError) throw this.backgroundError;
  }

  private createSegment(index: number): ActiveSegment {
    const fd = openSync(segmentPath(this.dir, index), 'a');
    this.donePages = Math.floor(fstatSync(fd).size / PAGE_SIZE);
    return { index, fd };
  }

  private syncAndCloseInBackground(fd: number): void {
    const done = new Promise<void>((resolve) => {
      fsync(fd, (syncErr) => {
        closeAsync(fd, (closeErr) => {
          this.backgroundError ??= syncErr ?? closeErr ?? undefined;
          this.syncs.delete(done);
          resolve();
        });
      });
    });
    this.syncs.add(done);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('WAL writer is closed');
  }
}
