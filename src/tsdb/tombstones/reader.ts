// Reader for a block's tombstones file (see tsdb/docs/format/tombstones.md; the trailing offset that
// document mentions is not written by the code): magic, format version 1, entries (uvarint series ID,
// varint mint, varint maxt), and a CRC32C over the entries only. A missing file means no tombstones.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { Decbuf } from '../encoding/decbuf.js';
import { CorruptionError } from '../encoding/errors.js';
import { varint64 } from '../encoding/int64.js';
import { addInterval, type Interval } from './intervals.js';

export const TOMBSTONES_MAGIC = 0x0130ba30;
export const TOMBSTONES_FILENAME = 'tombstones';
const HEADER_LEN = 5;
const CRC_LEN = 4;

/** Deleted intervals per series ID, each list sorted and merged. */
export class Tombstones {
  static readonly EMPTY = new Tombstones(new Map());

  constructor(private readonly bySeries: ReadonlyMap<number, readonly Interval[]>) {}

  /** The deleted intervals of a series (empty when none). */
  get(seriesId: number): readonly Interval[] {
    return this.bySeries.get(seriesId) ?? [];
  }

  /** Every series' intervals. */
  entries(): IterableIterator<[number, readonly Interval[]]> {
    return this.bySeries.entries();
  }

  /** Number of intervals over all series (meta.json's numTombstones). */
  get intervalCount(): number {
    let n = 0;
    for (const list of this.bySeries.values()) n += list.length;
    return n;
  }

  get seriesCount(): number {
    return this.bySeries.size;
  }
}

/** Decodes a tombstones file held in memory. */
export function decodeTombstones(bytes: Uint8Array, file = TOMBSTONES_FILENAME): Tombstones {
  if (bytes.length < HEADER_LEN + CRC_LEN) {
    throw new CorruptionError(`tombstones file of ${bytes.length} bytes is shorter than header and checksum`, file, 0);
  }
  const header = new Decbuf(bytes, file);
  const magic = header.be32();
  if (magic !== TOMBSTONES_MAGIC) throw new CorruptionError(`invalid magic number ${magic.toString(16)}`, file, 0);
  const version = header.byte();
  if (version !== 1) throw new CorruptionError(`unknown tombstones format version ${version}`, file, 4);
  const end = bytes.length - CRC_LEN;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0);
  const actual = crc32c(bytes, HEADER_LEN, end);
  if (stored !== actual) {
    throw new CorruptionError(`tombstones checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`, file, end);
  }
  const d = new Decbuf(bytes.subarray(0, end), file, 0, HEADER_LEN);
  const bySeries = new Map<number, Interval[]>();
  while (d.remaining > 0) {
    const ref = d.uvarint(); // a reference to no series of the index is kept and never matches, as in Prometheus
    const mint = varint64(d);
    const maxt = varint64(d);
    bySeries.set(ref, addInterval(bySeries.get(ref) ?? [], { mint, maxt }));
  }
  return new Tombstones(bySeries);
}

/** Reads `<blockDir>/tombstones`; a missing file is no tombstones (size 0). */
export async function readTombstones(blockDir: string): Promise<{ tombstones: Tombstones; size: number }> {
  const file = join(blockDir, TOMBSTONES_FILENAME);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { tombstones: Tombstones.EMPTY, size: 0 };
    throw e;
  }
  return { tombstones: decodeTombstones(bytes, file), size: bytes.length };
}
