// Reader for a block's chunk segment files (chunks/000001, ...; see tsdb/docs/format/chunks.md).
//
// Segments can be 512 MiB each, so they are not read into memory: each stays open and chunks are read by
// offset through a small read-ahead window per segment. Chunks are laid out series by series in index
// order, so a dump (or any query walking series in order) reads each segment front to back in window-sized
// reads, while a selective query reads only the windows it touches. (Node has no mmap; this gives the
// page-cache behaviour of Prometheus's mmap'd reads without holding whole files.)

import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { Decbuf } from '../encoding/decbuf.js';
import { CorruptionError } from '../encoding/errors.js';

export const CHUNKS_MAGIC = 0x85bd40dd;
const SEGMENT_HEADER_LEN = 8;
/** Chunk lengths are read with up to 5 bytes of look-ahead, as Prometheus does. */
const MAX_LEN_VARINT = 5;
const TWO_32 = 2 ** 32;
const DEFAULT_WINDOW = 256 * 1024;

export const enum ChunkEncoding {
  XOR = 1,
  Histogram = 2,
  FloatHistogram = 3,
}

/** One chunk as stored: its encoding byte and its data (CRC already checked). */
export interface RawChunk {
  readonly encoding: number;
  readonly data: Uint8Array;
  /** The segment file and the offset of the chunk's length field, for error messages. */
  readonly file: string;
  readonly offset: number;
}

/** Splits a block chunk reference into the segment's position in the sorted file list and the byte offset. */
export function unpackChunkRef(ref: number): { segment: number; offset: number } {
  return { segment: Math.floor(ref / TWO_32), offset: ref % TWO_32 };
}

class Segment {
  private windowStart = 0;
  private window: Uint8Array = new Uint8Array(0);

  constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    readonly size: number,
    private readonly windowSize: number,
  ) {}

  /** The bytes [start, end) of the file, from the window when it holds them. The view stays valid. */
  async bytes(start: number, end: number): Promise<Uint8Array> {
    if (start >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, end - this.windowStart);
    }
    const length = Math.min(Math.max(end - start, this.windowSize), this.size - start);
    const buf = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buf, filled, length - filled, start + filled);
      if (bytesRead === 0) throw new CorruptionError(`file ended at ${start + filled} while reading (was ${this.size} bytes at open)`, this.file, start + filled);
      filled += bytesRead;
    }
    // A fresh buffer each time: views handed out earlier stay valid.
    this.window = buf;
    this.windowStart = start;
    return buf.subarray(0, end - start);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export interface ChunkReaderOptions {
  /** Bytes read ahead per segment read (default 256 KiB). */
  readonly windowSize?: number;
}

async function checkSegmentHeader(segment: Segment): Promise<void> {
  const { file, size } = segment;
  if (size < SEGMENT_HEADER_LEN) throw new CorruptionError(`invalid segment header: file has ${size} bytes`, file, 0);
  const d = new Decbuf(await segment.bytes(0, SEGMENT_HEADER_LEN), file);
  const magic = d.be32();
  if (magic !== CHUNKS_MAGIC) throw new CorruptionError(`invalid magic number ${magic.toString(16)}`, file, 0);
  const version = d.byte();
  if (version !== 1) throw new CorruptionError(`invalid chunk format version ${version}`, file, 4);
}

/** Reads chunks by reference from the segment files of one block's chunks/ directory. */
export class ChunkDirReader {
  private constructor(
    readonly dir: string,
    private readonly segments: readonly Segment[],
  ) {}

  /**
   * Opens every segment (files whose names are unsigned integers, in name order: segment i of a chunk
   * reference is the i-th of them) and checks each header.
   */
  static async open(dir: string, options: ChunkReaderOptions = {}): Promise<ChunkDirReader> {
    const names = (await readdir(dir)).filter((n) => /^[0-9]+$/.test(n) && BigInt(n) < 2n ** 64n).sort();
    const segments: Segment[] = [];
    try {
      for (const name of names) {
        const file = join(dir, name);
        const handle = await open(file, 'r');
        const size = await handle.stat().then(
          (st) => st.size,
          async (e: unknown) => {
            await handle.close();
            throw e;
          },
        );
        const segment = new Segment(file, handle, size, options.windowSize ?? DEFAULT_WINDOW);
        segments.push(segment);
        await checkSegmentHeader(segment);
      }
    } catch (e) {
      await Promise.all(segments.map((s) => s.close()));
      throw e;
    }
    return new ChunkDirReader(dir, segments);
  }

  /** Total size of the segment files in bytes. */
  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Reads the chunk at `ref`: checks that it lies within its segment and that its CRC32C matches. */
  async chunk(ref: number): Promise<RawChunk> {
    const { segment: index, offset } = unpackChunkRef(ref);
    const segment = this.segments[index];
    if (!segment) {
      throw new CorruptionError(`chunk reference ${ref}: segment index ${index} out of range (${this.segments.length} segments)`, this.dir);
    }
    const file = segment.file;
    if (offset < SEGMENT_HEADER_LEN || offset + MAX_LEN_VARINT > segment.size) {
      throw new CorruptionError(`chunk reference ${ref}: no chunk length field at offset ${offset} of a ${segment.size}-byte segment`, file, offset);
    }
    const head = new Decbuf(await segment.bytes(offset, offset + MAX_LEN_VARINT), file, offset);
    const len = head.uvarint();
    const encAt = offset + head.pos;
    const end = encAt + 1 + len + 4;
    if (end > segment.size) {
      throw new CorruptionError(`chunk of ${len} bytes runs past the end of the segment (needs ${end} bytes, file has ${segment.size})`, file, offset);
    }
    const bytes = await segment.bytes(encAt, end);
    const stored = new DataView(bytes.buffer, bytes.byteOffset + 1 + len, 4).getUint32(0);
    const actual = crc32c(bytes, 0, 1 + len);
    if (stored !== actual) {
      throw new CorruptionError(`chunk checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`, file, offset);
    }
    return { encoding: bytes[0]!, data: bytes.subarray(1, 1 + len), file, offset };
  }

  async close(): Promise<void> {
    await Promise.all(this.segments.map((s) => s.close()));
  }
}
