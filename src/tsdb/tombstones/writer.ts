// Writer of a block's tombstones file, as Prometheus 2.42's tombstones.WriteFile:
//
//   BE32 magic 0x0130BA30 | u8 version 1 | entries | BE32 CRC32C(entries)
//   entry  uvarint series ref | varint mint | varint maxt      (one per closed interval)
//
// The CRC leaves out the magic and the version byte. An empty file is 9 bytes. Prometheus iterates a Go map,
// so its entry order is arbitrary; here entries go by series ref, then in the given interval order.

import { join } from 'node:path';
import { crc32c } from '../encoding/crc32c.js';
import { Encbuf } from '../encoding/encbuf.js';
import { writeFileAtomically } from '../index/file-writer.js';
import type { Interval } from './intervals.js';
import { TOMBSTONES_FILENAME, TOMBSTONES_MAGIC } from './reader.js';

const FORMAT_V1 = 1;

/** Deleted intervals by series ref (a Map works as it is). */
export type TombstoneEntries = Iterable<readonly [seriesRef: number, intervals: readonly Interval[]]>;

/** The bytes of a tombstones file. Interval bounds are int64 (MIN_INT64/MAX_INT64 allowed). */
export function encodeTombstones(entries: TombstoneEntries = []): Uint8Array {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const e = new Encbuf(64);
  e.be32(TOMBSTONES_MAGIC);
  e.byte(FORMAT_V1);
  const body = e.len;
  for (const [ref, intervals] of sorted) {
    if (!Number.isSafeInteger(ref) || ref < 0) throw new RangeError(`tombstones: bad series ref ${ref}`);
    for (const iv of intervals) {
      if (!Number.isInteger(iv.mint) || !Number.isInteger(iv.maxt)) {
        throw new RangeError(`tombstones: interval [${iv.mint}, ${iv.maxt}] of series ${ref} is not integral`);
      }
      e.uvarint(ref);
      e.varint64(iv.mint);
      e.varint64(iv.maxt);
    }
  }
  e.be32(crc32c(e.get(), body, e.len));
  return e.get().slice();
}

/** Writes `<blockDir>/tombstones` atomically (temporary file, fsync, rename, directory fsync); returns its size. */
export function writeTombstonesFile(blockDir: string, entries: TombstoneEntries = []): Promise<number> {
  return writeFileAtomically(join(blockDir, TOMBSTONES_FILENAME), encodeTombstones(entries));
}
