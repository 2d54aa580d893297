import type { Encbuf } from '../encoding/encbuf.js';
import { RecordCursor } from './cursor.js';
import { putRef, putVarint } from './put.js';
import { RecordType, type RefMmapMarker, type RefTombstone } from './types.js';

/** Appends a Tombstones record: per interval BE64 ref, varint mint, varint maxt. */
export function encodeTombstones(buf: Encbuf, stones: readonly RefTombstone[]): void {
  buf.byte(RecordType.Tombstones);
  for (const s of stones) {
    putRef(buf, s.ref);
    putVarint(buf, s.mint);
    putVarint(buf, s.maxt);
  }
}

export function decodeTombstones(rec: Uint8Array, out: RefTombstone[] = []): RefTombstone[] {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.Tombstones) c.fail('invalid record type', 0);
  while (c.remaining > 0) {
    const ref = c.ref();
    const mint = c.varint();
    out.push({ ref, mint, maxt: c.varint() });
  }
  return out;
}

/** Appends an MmapMarkers record (out-of-order WBL): per marker BE64 series ref, BE64 chunk ref. */
export function encodeMmapMarkers(buf: Encbuf, markers: readonly RefMmapMarker[]): void {
  buf.byte(RecordType.MmapMarkers);
  for (const m of markers) {
    putRef(buf, m.ref);
    putRef(buf, m.chunkRef);
  }
}

export function decodeMmapMarkers(rec: Uint8Array, out: RefMmapMarker[] = []): RefMmapMarker[] {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.MmapMarkers) c.fail('invalid record type', 0);
  while (c.remaining > 0) {
    const ref = c.ref();
    out.push({ ref, chunkRef: c.ref() });
  }
  return out;
}
