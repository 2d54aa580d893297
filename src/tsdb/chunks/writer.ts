// Writer of a block's chunk segment files (chunks/000001, ...), as Prometheus's chunks.Writer:
//
//   segment  BE32 magic 0x85BD40DD | u8 version 1 | 3 zero bytes | chunks back to back
//   chunk    uvarint len(data) | u8 encoding | data | BE32 CRC32C(encoding ++ data)
//
// A chunk's reference is `segment index << 32 | offset of its len field`, the segment index counting the
// files this writer created from 0. Chunks are written one series at a time; a series' chunks go into
// the current segment while they fit its size budget (each chunk budgeted at the widest length varint),
// the rest into new segments, exactly as WriteChunks batches them, so segment boundaries and references
// match Prometheus for the same sequence of calls. Segments are not preallocated (Node has no fallocate),
// so nothing needs truncating when one is closed.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { Encbuf } from '../encoding/encbuf.js';
import { BufferedFileWriter, syncDir } from '../index/file-writer.js';
import { CHUNKS_MAGIC, ChunkEncoding } from './reader.js';

/** Prometheus's DefaultChunkSegmentSize: 512 MiB. */
export const DEFAULT_CHUNK_SEGMENT_SIZE = 512 * 1024 * 1024;
const SEGMENT_HEADER_SIZE = 8;
/** Budget per chunk besides its data: the widest length varint (5), the encoding byte, the CRC. */
const CHUNK_OVERHEAD = 5 + 1 + 4;
const TWO_32 = 2 ** 32;

/** A chunk to store: its encoding (XOR when absent) and its bytes exactly as the encoder produced them. */
export interface ChunkToWrite {
  readonly encoding?: number;
  readonly bytes: Uint8Array;
}

/** Builds a block chunk reference from a segment index and the byte offset of the chunk in it. */
export function packChunkRef(segment: number, offset: number): number {
  return segment * TWO_32 + offset;
}

/** The file name of the segment with the given 0-based index: 000001 for 0. */
export function segmentFileName(index: number): string {
  return String(index + 1).padStart(6, '0');
}

export interface ChunkWriterOptions {
  /** Size budget of a segment file (default 512 MiB). */
  readonly segmentSize?: number;
}

export class ChunkWriter {
  private readonly segments: BufferedFileWriter[] = [];
  private readonly staging = new Encbuf(64 * 1024);
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly segmentSize: number,
  ) {}

  /** Creates `dir` if needed. Segment files appear as chunks are written. */
  static async create(dir: string, options: ChunkWriterOptions = {}): Promise<ChunkWriter> {
    const size = options.segmentSize ?? DEFAULT_CHUNK_SEGMENT_SIZE;
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`ChunkWriter: bad segment size ${size}`);
    await mkdir(dir, { recursive: true });
    return new ChunkWriter(dir, size);
  }

  /** Number of segment files created so far. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Total bytes written to all segments. */
  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.pos, 0);
  }

  /** Bytes in the current segment (0 before the first one): Prometheus's `w.n`. */
  private get tailSize(): number {
    return this.segments.length === 0 ? 0 : this.segments[this.segments.length - 1]!.pos;
  }

  /**
   * Writes one series' chunks, in order, and returns their references. A new segment is started first
   * where the next chunk would push the current one past the segment size (a chunk never straddles two
   * files; one larger than the limit gets a file of its own).
   */
  async writeChunks(chunks: readonly ChunkToWrite[]): Promise<number[]> {
    if (this.closed) throw new Error('ChunkWriter: write after close');
    for (const c of chunks) checkChunk(c);

    // Where new segments start, planned before anything is written (WriteChunks' batches).
    const cuts: number[] = [];
    const tail = this.tailSize;
    let batchSize = 0;
    let firstBatch = true;
    for (let i = 0; i < chunks.length; i++) {
      const chunkSize = CHUNK_OVERHEAD + chunks[i]!.bytes.length;
      batchSize += chunkSize;
      let cut = i !== 0 && batchSize + SEGMENT_HEADER_SIZE > this.segmentSize;
      if (firstBatch && tail > SEGMENT_HEADER_SIZE) {
        // The first batch shares the segment with what is already in it.
        cut = batchSize + tail > this.segmentSize;
        if (cut) firstBatch = false;
      }
      if (cut) {
        cuts.push(i);
        batchSize = chunkSize;
      }
    }

    if (this.segments.length === 0) await this.cut();
    const refs: number[] = new Array(chunks.length);
    let start = 0;
    for (const end of cuts) {
      await this.writeBatch(chunks, start, end, refs);
      await this.cut();
      start = end;
    }
    await this.writeBatch(chunks, start, chunks.length, refs);
    return refs;
  }

  private async writeBatch(chunks: readonly ChunkToWrite[], start: number, end: number, refs: number[]): Promise<void> {
    if (start === end) return;
    const segment = this.segments[this.segments.length - 1]!;
    const index = this.segments.length - 1;
    const e = this.staging;
    e.reset();
    for (let i = start; i < end; i++) {
      const { bytes, encoding = ChunkEncoding.XOR } = chunks[i]!;
      refs[i] = packChunkRef(index, segment.pos + e.len);
      e.uvarint(bytes.length);
      const encodingAt = e.len;
      e.byte(encoding);
      e.bytes(bytes);
      const buf = e.reserve(4);
      e.be32(crc32c(buf, encodingAt, e.len));
    }
    await segment.write(e.get());
    // Keep the staging buffer from holding on to one huge series forever.
    if (e.reserve(0).length > 1 << 24) this.staging.reset();
  }

  /** Finishes the current segment and starts the next one with its header. */
  private async cut(): Promise<void> {
    await this.finishTail();
    const segment = await BufferedFileWriter.create(join(this.dir, segmentFileName(this.segments.length)));
    this.segments.push(segment);
    await syncDir(this.dir);
    const header = new Uint8Array(SEGMENT_HEADER_SIZE);
    new DataView(header.buffer).setUint32(0, CHUNKS_MAGIC);
    header[4] = 1;
    await segment.write(header);
  }

  private async finishTail(): Promise<void> {
    await this.segments[this.segments.length - 1]?.close();
  }

  /** Flushes and fsyncs the last segment. Every segment is closed afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.finishTail();
  }

  /** Closes the files without syncing, after a failure; the caller removes the directory. */
  async abandon(): Promise<void> {
    this.closed = true;
    await Promise.all(this.segments.map((s) => s.abandon()));
  }
}

function checkChunk(c: ChunkToWrite): void {
  const encoding = c.encoding ?? ChunkEncoding.XOR;
  if (encoding !== ChunkEncoding.XOR && encoding !== ChunkEncoding.Histogram && encoding !== ChunkEncoding.FloatHistogram) {
    throw new RangeError(`ChunkWriter: unknown chunk encoding ${encoding}`);
  }
}
