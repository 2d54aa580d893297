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
  private view: Uint8Array;

  constructor() {
    const instance = new WebAssembly.Instance(wasmModule(), { env: { abort: (...at: number[]) => this.abort(at) } });
    this.exports = instance.exports as unknown as KernelExports;
    this.view = new Uint8Array(this.exports.memory.buffer);
  }

  /** The whole linear memory as bytes; call again after any export that may allocate. */
  get memory(): Uint8Array {
    const buffer = this.exports.memory.buffer;
    if (this.view.buffer !== buffer) this.view = new Uint8Array(buffer);
    return this.view;
  }

  /** Address of a scratch region of at least `size` bytes (its previous contents are gone). */
  scratch(size: number): number {
    return this.exports.scratch(size) >>> 0;
  }

  writeBytes(at: number, src: Uint8Array, length = src.length): void {
    this.memory.set(length === src.length ? src : src.subarray(0, length), at);
  }

  /** Copies src[start, end) as raw bytes, so NaN payloads are untouched. */
  writeFloat64(at: number, src: Float64Array, start: number, end: number): void {
    this.memory.set(new Uint8Array(src.buffer, src.byteOffset + start * 8, (end - start) * 8), at);
  }

  /** `at` must be 4-aligned. */
  writeUint32(at: number, src: ArrayLike<number>): void {
    new Uint32Array(this.memory.buffer, at, src.length).set(src);
  }

  /** Copies n float64 from memory into target[targetStart...] as raw bytes. */
  readFloat64(at: number, n: number, target: Float64Array, targetStart = 0): void {
    new Uint8Array(target.buffer, target.byteOffset + targetStart * 8, n * 8).set(this.memory.subarray(at, at + n * 8));
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
    return Buffer.from(bytes.subarray(at, at + length)).toString('utf16le');
  }
}

/** Rounds up to a multiple of 8, the alignment of every region laid out in scratch. */
export function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
