import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { WalCorruptionError } from './errors.js';
import {
  FRAGMENT_TYPE_MASK, FragmentType, HEADER_SIZE, PAGE_SIZE, SNAPPY_FLAG, ZSTD_FLAG, type SegmentRef,
} from './segment.js';
import { snappyDecompress } from './snappy.js';

const CHUNK = 16 * PAGE_SIZE;

/**
 * The bytes of several segments as one stream, read in 512 KiB chunks (Go's segmentBufReader).
 * A segment whose length is not a multiple of the page size reads as if zero-padded to the next
 * page boundary, so a torn tail shows up as padding or a checksum mismatch in that segment, and
 * the next segment starts on a fresh page. `off` is the offset in the current segment of the next
 * byte to hand out; it is what corruption errors report.
 */
class SegmentStream {
  private cur = -1;
  private fd = -1;
  private filePos = 0;
  private eof = false;
  private padEnd = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private end = 0;
  private readonly scratch = new Uint8Array(PAGE_SIZE);
  off = 0;

  constructor(private readonly segs: readonly SegmentRef[]) {
    if (segs.length > 0) this.open(0);
  }

  /** The segment being read (the first one before reading starts; undefined without segments). */
  get segment(): SegmentRef | undefined {
    return this.segs[Math.max(this.cur, 0)];
  }

  /**
   * Up to `n` (≤ PAGE_SIZE) bytes as a view valid until the next call; fewer only when the last
   * segment ends (a read may continue into the next segment, as Go's io.ReadFull does).
   */
  read(n: number): Uint8Array {
    if (this.end - this.start >= n) {
      const view = this.buf.subarray(this.start, this.start + n);
      this.start += n;
      this.off += n;
      return view;
    }
    let got = 0;
    while (got < n) {
      if (this.start === this.end && !this.fill()) break;
      const take = Math.min(n - got, this.end - this.start);
      this.scratch.set(this.buf.subarray(this.start, this.start + take), got);
      this.start += take;
      this.off += take;
      got += take;
    }
    return this.scratch.subarray(0, got);
  }

  /** Refills the empty buffer from the current segment, or moves to the next one; false at the end. */
  private fill(): boolean {
    this.start = this.end = 0;
    while (this.end === 0) {
      if (this.cur < 0) return false;
      if (!this.eof) {
        const n = readSync(this.fd, this.buf, 0, CHUNK, this.filePos);
        if (n === 0) {
          this.eof = true;
          this.padEnd = Math.ceil(this.filePos / PAGE_SIZE) * PAGE_SIZE;
        }
        this.filePos += n;
        this.end = n;
      } else if (this.filePos < this.padEnd) {
        const n = this.padEnd - this.filePos;
        this.buf.fill(0, 0, n);
        this.filePos += n;
        this.end = n;
      } else if (this.cur + 1 < this.segs.length) {
        this.open(this.cur + 1);
      } else {
        return false;
      }
    }
    return true;
  }

  private open(i: number): void {
    this.closeFile();
    const s = this.segs[i]!;
    this.fd = openSync(join(s.dir, s.name), 'r');
    this.cur = i;
    this.filePos = 0;
    this.eof = false;
    this.off = 0;
  }

  private closeFile(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  close(): void {
    this.closeFile();
    this.cur = -1;
  }
}

/** Thrown inside next() and turned into a WalCorruptionError at the stream position. */
class ReadFailure {
  constructor(readonly message: string) {}
}

/** Returned by a short read of zero bytes: the stream ended cleanly at a read boundary. */
const EOF = Symbol('EOF');

/**
 * Reads the records of a sequence of segments (Go's wlog.Reader over a segmentBufReader): follows
 * page padding, reassembles first/middle/last fragments, checks every CRC and the fragment
 * sequence, and decompresses snappy records.
 *
 *     const r = new WalReader(segments);
 *     try { while (r.next()) use(r.record()); } finally { r.close(); }
 *
 * next() throws a WalCorruptionError at the first problem; records returned before it are intact.
 * A record torn by a crash at the very end is dropped silently when zero padding follows it, as
 * in Prometheus. Not thread-safe; synchronous file I/O.
 */
export class WalReader {
  private readonly stream: SegmentStream;
  private rec: Uint8Array = new Uint8Array(PAGE_SIZE);
  private recLen = 0;
  private snappy: Uint8Array = new Uint8Array(PAGE_SIZE);
  private snappyLen = 0;
  private current: Uint8Array = new Uint8Array(0);
  private total = 0;
  private lastType = 0;

  constructor(segments: readonly SegmentRef[]) {
    this.stream = new SegmentStream(segments);
  }

  /** Advances to the next record; false at the end. Throws WalCorruptionError. */
  next(): boolean {
    let result: true | typeof EOF;
    try {
      result = this.readRecord();
    } catch (e) {
      if (!(e instanceof ReadFailure)) throw e;
      throw this.corruption(e.message);
    }
    if (result !== EOF) return true;
    if (this.lastType === FragmentType.First || this.lastType === FragmentType.Middle) {
      throw this.corruption('last record is torn');
    }
    return false;
  }

  /** Only called after bytes were read, so there is a current segment. */
  private corruption(reason: string): WalCorruptionError {
    const s = this.stream.segment!;
    return new WalCorruptionError(s.dir, s.index, this.stream.off, reason);
  }

  /**
   * The current record (decompressed). A view into a buffer the reader reuses: valid until the
   * next call to next(); copy what must outlive it.
   */
  record(): Uint8Array {
    return this.current;
  }

  /** Index of the segment the reader is in (-1 when it was given none). */
  get segment(): number {
    return this.stream.segment?.index ?? -1;
  }

  /** Offset in that segment just past the current record (Go's Reader.Offset). */
  get offset(): number {
    return this.stream.off;
  }

  close(): void {
    this.stream.close();
  }

  private readRecord(): true | typeof EOF {
    this.recLen = 0;
    this.snappyLen = 0;
    for (let i = 0; ; ) {
      const first = this.stream.read(1);
      if (first.length === 0) return EOF;
      this.total++;
      const header = first[0]!;
      const type = header & FRAGMENT_TYPE_MASK;
      this.lastType = type;
      if (type === FragmentType.PageTerm) {
        this.skipPadding();
        continue;
      }
      if (header & ZSTD_FLAG) throw new ReadFailure('zstd-compressed record (Prometheus 2.46+) is not supported');
      const compressed = (header & SNAPPY_FLAG) !== 0;

      const rest = this.stream.read(HEADER_SIZE - 1);
      if (rest.length === 0) return EOF;
      this.total += rest.length;
      if (rest.length < HEADER_SIZE - 1) throw new ReadFailure('read remaining header: unexpected EOF');
      const length = (rest[0]! << 8) | rest[1]!;
      const crc = ((rest[2]! << 24) | (rest[3]! << 16) | (rest[4]! << 8) | rest[5]!) >>> 0;
      if (length > PAGE_SIZE - HEADER_SIZE) throw new ReadFailure(`invalid record size ${length}`);

      const payload = this.stream.read(length);
      if (payload.length === 0 && length > 0) return EOF;
      this.total += payload.length;
      if (payload.length < length) throw new ReadFailure('unexpected EOF');
      const actual = crc32c(payload);
      if (actual !== crc) {
        throw new ReadFailure(`unexpected checksum ${actual.toString(16)}, expected ${crc.toString(16)}`);
      }
      if (compressed) this.appendSnappy(payload);
      else this.appendRec(payload);

      validateSequence(type, i);
      if (type === FragmentType.Full || type === FragmentType.Last) {
        if (compressed && this.snappyLen > 0) {
          const out = snappyDecompress(this.snappy.subarray(0, this.snappyLen));
          if (typeof out === 'string') throw new ReadFailure(out);
          this.current = new Uint8Array(out.buffer, out.byteOffset, out.length);
        } else {
          this.current = this.rec.subarray(0, this.recLen);
        }
        return true;
      }
      i++;
    }
  }

  /** The rest of the page after a zero type byte must be zeros (Go checks this pedantically too). */
  private skipPadding(): void {
    const k = PAGE_SIZE - (this.total % PAGE_SIZE);
    if (k === PAGE_SIZE) return;
    const zeros = this.stream.read(k);
    this.total += zeros.length;
    for (let j = 0; j < zeros.length; j++) {
      if (zeros[j] !== 0) throw new ReadFailure('unexpected non-zero byte in padded page');
    }
  }

  private appendRec(b: Uint8Array): void {
    this.rec = ensure(this.rec, this.recLen + b.length);
    this.rec.set(b, this.recLen);
    this.recLen += b.length;
  }

  private appendSnappy(b: Uint8Array): void {
    this.snappy = ensure(this.snappy, this.snappyLen + b.length);
    this.snappy.set(b, this.snappyLen);
    this.snappyLen += b.length;
  }
}

function ensure(buf: Uint8Array, n: number): Uint8Array {
  if (n <= buf.length) return buf;
  const next = new Uint8Array(Math.max(n, buf.length * 2));
  next.set(buf);
  return next;
}

/** Go's validateRecord: full/first only outside a record, middle/last only inside one. */
function validateSequence(type: number, i: number): void {
  switch (type) {
    case FragmentType.Full:
      if (i !== 0) throw new ReadFailure('unexpected full record');
      return;
    case FragmentType.First:
      if (i !== 0) throw new ReadFailure('unexpected first record, dropping buffer');
      return;
    case FragmentType.Middle:
      if (i === 0) throw new ReadFailure('unexpected middle record, dropping buffer');
      return;
    case FragmentType.Last:
      if (i === 0) throw new ReadFailure('unexpected last record, dropping buffer');
      return;
    default:
      throw new ReadFailure(`unexpected record type ${type}`);
  }
}
