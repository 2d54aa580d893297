// Reads the records of one WAL segment from a record boundary while the segment may still be
// growing (Go's wlog.LiveReader): only whole records are returned, a record the writer has only
// partly written is left for the next call. Page padding, fragments, CRCs and snappy are handled
// as by the WAL reader.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { WalCorruptionError } from '../../tsdb/wal/errors.js';
import {
  FRAGMENT_TYPE_MASK, FragmentType, HEADER_SIZE, PAGE_SIZE, SNAPPY_FLAG, ZSTD_FLAG, segmentPath,
} from '../../tsdb/wal/segment.js';
import { snappyDecompress } from '../../tsdb/wal/snappy.js';

const READ_CHUNK = 1024 * 1024;

export class SegmentTail {
  private fd: number;
  /** Bytes read from the file and not yet consumed, starting at segment offset `base`. */
  private buf = new Uint8Array(READ_CHUNK);
  private bufLen = 0;
  private base: number;
  /** Offset of the next unparsed byte. */
  private pos: number;
  /** Fragments of the record being assembled (their payloads, concatenated). */
  private rec = new Uint8Array(PAGE_SIZE);
  private recLen = 0;
  private inRecord = false;
  private compressed = false;
  /** Offset just past the last record returned. */
  recordEnd: number;

  constructor(readonly dir: string, readonly segment: number, offset: number) {
    this.fd = openSync(segmentPath(dir, segment), 'r');
    this.base = this.pos = this.recordEnd = offset;
  }

  /**
   * The next whole record, or undefined when the bytes written so far hold none. The view is
   * valid until the next call. Throws WalCorruptionError on a bad fragment.
   */
  next(): Uint8Array | undefined {
    for (;;) {
      const rec = this.parse();
      if (rec !== undefined) return rec;
      if (!this.fill()) return undefined;
    }
  }

  /** Whether a record is partly read (at the end of a finished segment: a torn record). */
  get torn(): boolean {
    return this.inRecord || this.pos < this.base + this.bufLen;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Reads what the file has beyond the buffer; false when nothing new was there. */
  private fill(): boolean {
    // Drop consumed bytes first.
    const consumed = this.pos - this.base;
    if (consumed > 0) {
      this.buf.copyWithin(0, consumed, this.bufLen);
      this.bufLen -= consumed;
      this.base = this.pos;
    }
    const size = fstatSync(this.fd).size;
    const fileOff = this.base + this.bufLen;
    if (size <= fileOff) return false;
    const want = Math.min(size - fileOff, READ_CHUNK);
    if (this.bufLen + want > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.bufLen + want));
      next.set(this.buf.subarray(0, this.bufLen));
      this.buf = next;
    }
    const n = readSync(this.fd, this.buf, this.bufLen, want, fileOff);
    this.bufLen += n;
    return n > 0;
  }

  private avail(): number {
    return this.base + this.bufLen - this.pos;
  }

  private byteAt(off: number): number {
    return this.buf[off - this.base]!;
  }

  /** Parses whole fragments from the buffer; returns a record when one completes. */
  private parse(): Uint8Array | undefined {
    for (;;) {
      const pageLeft = PAGE_SIZE - (this.pos % PAGE_SIZE);
      if (pageLeft < HEADER_SIZE) {
        // The writer zero-pads a page with no room for another header.
        if (this.avail() < pageLeft) return undefined;
        this.pos += pageLeft;
        continue;
      }
      if (this.avail() < 1) return undefined;
      const header = this.byteAt(this.pos);
      const type = header & FRAGMENT_TYPE_MASK;
      if (type === FragmentType.PageTerm) {
        if (this.avail() < pageLeft) return undefined;
        for (let i = 1; i < pageLeft; i++) {
          if (this.byteAt(this.pos + i) !== 0) this.fail('unexpected non-zero byte in padded page');
        }
        this.pos += pageLeft;
        continue;
      }
      if (this.avail() < HEADER_SIZE) return undefined;
      if (header & ZSTD_FLAG) this.fail('zstd-compressed record (Prometheus 2.46+) is not supported');
      const p = this.pos - this.base;
      const b = this.buf;
      const length = (b[p + 1]! << 8) | b[p + 2]!;
      const crc = ((b[p + 3]! << 24) | (b[p + 4]! << 16) | (b[p + 5]! << 8) | b[p + 6]!) >>> 0;
      if (length > pageLeft - HEADER_SIZE) this.fail(`invalid record size ${length}`);
      if (this.avail() < HEADER_SIZE + length) return undefined;
      const payload = b.subarray(p + HEADER_SIZE, p + HEADER_SIZE + length);
      const actual = crc32c(payload);
      if (actual !== crc) this.fail(`unexpected checksum ${actual.toString(16)}, expected ${crc.toString(16)}`);
      this.sequence(type);
      this.compressed = (header & SNAPPY_FLAG) !== 0;
      this.append(payload);
      this.pos += HEADER_SIZE + length;
      if (type === FragmentType.Full || type === FragmentType.Last) {
        this.inRecord = false;
        this.recordEnd = this.pos;
        const whole = this.rec.subarray(0, this.recLen);
        this.recLen = 0;
        if (!this.compressed) return whole;
        const out = snappyDecompress(whole);
        if (typeof out === 'string') this.fail(out);
        return out;
      }
    }
  }

  private sequence(type: number): void {
    const first = type === FragmentType.Full || type === FragmentType.First;
    if (first === this.inRecord) this.fail(`unexpected fragment type ${type}`);
    if (type > FragmentType.Last) this.fail(`unexpected record type ${type}`);
    this.inRecord = type === FragmentType.First || type === FragmentType.Middle;
  }

  private append(payload: Uint8Array): void {
    if (this.recLen + payload.length > this.rec.length) {
      const next = new Uint8Array(Math.max(this.rec.length * 2, this.recLen + payload.length));
      next.set(this.rec.subarray(0, this.recLen));
      this.rec = next;
    }
    this.rec.set(payload, this.recLen);
    this.recLen += payload.length;
  }

  private fail(reason: string): never {
    throw new WalCorruptionError(this.dir, this.segment, this.pos, reason);
  }
}
