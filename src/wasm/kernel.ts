// One instance of the WASM module with its own linear memory, and the copies in and out of it.
// Views over the memory are rebuilt whenever it has grown (growth detaches the old ArrayBuffer);
// nothing outside this folder ever holds one.

import { CorruptionError } from '../tsdb/encoding/errors.js';
import { wasmModule } from './loader.js';

/** The exported functions (assembly/index.ts). Addresses are byte offsets into `memory`. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  scratch(size: number): number;
  encodeXor(ts: number, vs: number, n: number, out: number): number;
  decodeXor(chunk: number, len: number, outT: number, outV: number): number;
  decodeXorMany(table: number, n: number, outT: number, outV: number): number;
  chunksCreate(outHandles: number, count: number): number;
  chunksAppend(handles: number, ts: number, vs: number, n: number): number;
  chunksInfo(handles: number, n: number, out: number): number;
  chunksDecode(handles: number, n: number, outT: number, outV: number): number;
  chunksFree(handles: number, n: number): number;
  chunksLive(): number;
  lastErrorIndex(): number;
  lastErrorSample(): number;
}

/** Negative statuses of the exported functions (assembly/errors.ts). */
export const Status = {
  ShortChunk: -1,
  Truncated: -2,
  VarintOverflow: -3,
  BadWindow: -4,
  BadHandle: -5,
  BadTimestamp: -6,
  TooManySamples: -7,
} as const;

/** Where a chunk came from, for error messages. */
export interface ChunkLocation {
  file?: string;
  offset?: number;
}

/** Bytes after a chunk that the decoder may read before it notices the chunk was cut short. */
export const STREAM_SLACK = 32;

export class WasmKernel {
  readonly exports: KernelExports;
  private bytes: Uint8Array;
  private floats: Float64Array;

  constructor() {
    const instance = new WebAssembly.Instance(wasmModule(), { env: { abort: (...at: number[]) => this.abort(at) } });
    this.exports = instance.exports as unknown as KernelExports;
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.floats = new Float64Array(this.exports.memory.buffer);
  }

  /** The whole linear memory as bytes; fetch it again after any export that may allocate. */
  get memory(): Uint8Array {
    if (this.bytes.length === 0) this.rebuildViews(); // growth detached the old buffer
    return this.bytes;
  }

  private get memoryFloats(): Float64Array {
    if (this.floats.length === 0) this.rebuildViews();
    return this.floats;
  }

  private rebuildViews(): void {
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.floats = new Float64Array(this.exports.memory.buffer);
  }

  /** Address of a scratch region of at least `size` bytes (its previous contents are gone). */
  scratch(size: number): number {
    return this.exports.scratch(size) >>> 0;
  }

  writeBytes(at: number, src: Uint8Array, length = src.length): void {
    this.memory.set(length === src.length ? src : src.subarray(0, length), at);
  }

  /**
   * Copies src[start, end) to the 8-aligned address `at`. Float64Array to Float64Array copies keep the
   * bytes as they are (ECMA-262 TypedArray set), so NaN payloads are untouched.
   */
  writeFloat64(at: number, src: Float64Array, start: number, end: number): void {
    this.memoryFloats.set(start === 0 && end === src.length ? src : src.subarray(start, end), at / 8);
  }

  /** `at` must be 4-aligned. */
  writeUint32(at: number, src: ArrayLike<number>): void {
    new Uint32Array(this.memory.buffer, at, src.length).set(src);
  }

  /** Copies n float64 from the 8-aligned address `at` into target[targetStart...], bits unchanged. */
  readFloat64(at: number, n: number, target: Float64Array, targetStart = 0): void {
    target.set(this.memoryFloats.subarray(at / 8, at / 8 + n), targetStart);
  }

  /** A copy of memory[at, at + length) (see copyPool: small copies share a slab). */
  copyOut(at: number, length: number): Uint8Array {
    const copy = copyPool.take(length);
    copy.set(this.memory.subarray(at, at + length));
    return copy;
  }

  /** A DataView over memory[at, at + length), valid until the next export call. */
  dataView(at: number, length: number): DataView {
    return new DataView(this.memory.buffer, at, length);
  }

  /** The error for a negative status from a decoding export, naming the chunk's location. */
  corruption(status: number, where: ChunkLocation | undefined, chunkLength: number, sampleCount: number): CorruptionError {
    const sample = this.exports.lastErrorSample() >>> 0;
    let message: string;
    switch (status) {
      case Status.ShortChunk:
        message = `XOR chunk of ${chunkLength} bytes is shorter than its 2-byte header`;
        break;
      case Status.Truncated:
        message = `XOR chunk of ${chunkLength} bytes ends inside sample ${sample} of the ${sampleCount} its header promises`;
        break;
      case Status.VarintOverflow:
        message = `XOR chunk: the timestamp varint of sample ${sample} overflows 64 bits`;
        break;
      case Status.BadWindow:
        message = `XOR chunk: sample ${sample} declares an XOR window of more than 64 bits`;
        break;
      default:
        message = `XOR chunk: unexpected decoder status ${status}`;
    }
    return new CorruptionError(message, where?.file, where?.offset);
  }

  /** AssemblyScript's abort(message, file, line, column): a bug or out of memory, never bad input. */
  private abort([message, file, line, column]: number[]): never {
    throw new Error(`WASM abort: ${this.readString(message!)} (${this.readString(file!)}:${line}:${column})`);
  }

  private readString(at: number): string {
    if (!at) return '';
    const bytes = this.memory;
    const length = new DataView(bytes.buffer).getUint32(at - 4, true);
    return Buffer.from(bytes.buffer, at, length).toString('utf16le');
  }
}

/**
 * Plain Uint8Arrays carved from shared 8 KiB slabs, as Node's Buffer pool does: allocating a separate
 * ArrayBuffer costs far more than copying a chunk of a few hundred bytes. A copy's `buffer` is the slab,
 * so readers must use byteOffset/byteLength, as with any view.
 */
const copyPool = {
  SLAB: 8192,
  slab: new ArrayBuffer(0),
  used: 0,
  take(length: number): Uint8Array {
    if (length > this.SLAB >>> 2) return new Uint8Array(length);
    if (this.used + length > this.slab.byteLength) {
      this.slab = new ArrayBuffer(this.SLAB);
      this.used = 0;
    }
    const view = new Uint8Array(this.slab, this.used, length);
    this.used = align8(this.used + length);
    return view;
  },
};

/** Rounds up to a multiple of 8, the alignment of every region laid out in scratch. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
