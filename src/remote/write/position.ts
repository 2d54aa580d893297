// Where a queue is in the WAL, kept on disk so that forwarding resumes there after a restart.
//
// A record is named by the segment it is in and the offset just past it; an item (sample,
// histogram, exemplar) by its record and its index in that record. The file holds:
// - `segment`/`offset`: every item of every record up to there is acknowledged by the upstream
//   (or dropped on purpose): reading resumes at this record boundary;
// - per shard (items go to shard `ref % shards`), the last item it had acknowledged, and the last
//   item of the batch it had in flight. After a restart items at or before `acked` of their old
//   shard are not sent again, and items up to `inflight` are re-sent in batches of their own, so
//   that a batch the upstream had already stored (a 400 "out of order" from a Prometheus) cannot
//   take new samples down with it.

import { closeSync, fsync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { dirname, join } from 'node:path';

export interface WalPosition {
  readonly segment: number;
  /** Offset in the segment just past a record (0: before the first record). */
  readonly offset: number;
}

/** An item: the record it came from and its index among the record's items. */
export interface ItemPosition extends WalPosition {
  readonly index: number;
}

export interface QueuePositionState {
  /** Everything before this record boundary is done. */
  readonly low: WalPosition;
  /** The shard count `acked` and `inflight` were recorded with. */
  readonly shards: number;
  readonly acked: readonly (ItemPosition | null)[];
  readonly inflight: readonly (ItemPosition | null)[];
}

export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

export function compareItems(a: ItemPosition, b: ItemPosition): number {
  return a.segment - b.segment || a.offset - b.offset || a.index - b.index;
}

/** First word of a slot: names the format, so another file is never taken for a position. */
const MAGIC = 'promwasm-remote-write-position-v1';
const SLOT_ALIGN = 4096;

/**
 * The position file of one queue (`<dir>/position`): two slots of equal size, written in turn in
 * place with one pwrite each (no rename, no thread-pool round trip in the path of every batch).
 * A slot is `MAGIC seq crc32c json`, space-padded; load() takes the valid slot with the higher
 * sequence, so a torn write leaves the previous state. A state too big for the slots (more shards)
 * rewrites the file with bigger ones (a temporary file renamed over it).
 *
 * Durability follows the WAL's: a written state survives a crash of the process at once, and is
 * fsynced within `syncMs` (the WAL, like Prometheus's, is fsynced when a segment is closed). A
 * position lost to a power failure only means that items are sent again.
 */
export class PositionStore {
  readonly file: string;
  private fd = -1;
  private slotSize = 0;
  private seq = 0;
  private pending: QueuePositionState | undefined;
  private laterTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private unsynced = false;

  constructor(
    readonly dir: string,
    private readonly syncMs = 1000,
    private readonly laterMs = 100,
  ) {
    this.file = join(dir, 'position');
  }

  /** The saved state, or undefined when there is none; a damaged file is an error with its path. */
  load(): QueuePositionState | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (bytes.length === 0 || bytes.length % (2 * SLOT_ALIGN) !== 0) {
      throw new Error(`${this.file}: invalid remote-write position: size ${bytes.length}`);
    }
    const size = bytes.length / 2;
    let best: { seq: number; json: string } | undefined;
    for (let i = 0; i < 2; i++) {
      const slot = readSlot(bytes.subarray(i * size, (i + 1) * size));
      if (slot && (best === undefined || slot.seq > best.seq)) best = slot;
    }
    if (best === undefined) throw new Error(`${this.file}: invalid remote-write position: no intact slot`);
    this.seq = best.seq;
    return parseState(best.json, this.file);
  }

  /** Writes `state` now; an fsync follows within syncMs. Throws on an I/O error. */
  write(state: QueuePositionState): void {
    this.pending = undefined;
    clearTimeout(this.laterTimer);
    this.laterTimer = undefined;
    const json = JSON.stringify(state);
    const seq = ++this.seq;
    const head = `${MAGIC} ${seq} ${crc32c(Buffer.from(json)).toString(16).padStart(8, '0')} `;
    const length = Buffer.byteLength(head) + Buffer.byteLength(json) + 1;
    const text = head + json + '\n';
    if (this.fd < 0 || length > this.slotSize) {
      this.recreate(length, seq, text);
    } else {
      const slot = Buffer.alloc(this.slotSize, 0x20);
      slot.write(text);
      writeSync(this.fd, slot, 0, slot.length, (seq % 2) * this.slotSize);
    }
    this.unsynced = true;
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined;
      this.syncing = this.sync().catch(() => undefined);
    }, this.syncMs);
  }

  /** Writes `state` within laterMs, unless a newer state is written first. */
  writeLater(state: QueuePositionState): void {
    this.pending = state;
    this.laterTimer ??= setTimeout(() => {
      this.laterTimer = undefined;
      if (this.pending === undefined) return;
      try {
        this.write(this.pending);
      } catch {
        // The next write tries again; a lagging position only means items sent again.
      }
    }, this.laterMs);
  }

  /** Writes what is pending, fsyncs it, and closes the file. */
  async close(): Promise<void> {
    if (this.pending !== undefined) this.write(this.pending);
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.syncing;
    if (this.unsynced) await this.sync();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** A fresh file (renamed into place) with slots of at least `length` bytes, `text` in slot `seq % 2`. */
  private recreate(length: number, seq: number, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    if (this.fd >= 0) closeSync(this.fd);
    this.slotSize = Math.ceil(length / SLOT_ALIGN) * SLOT_ALIGN;
    const file = Buffer.alloc(2 * this.slotSize, 0x20);
    file.write(text, (seq % 2) * this.slotSize);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, file);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'r+');
  }

  private async sync(): Promise<void> {
    this.unsynced = false;
    const fd = this.fd;
    if (fd >= 0) await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    const dir = await open(dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** A slot's sequence and JSON, or undefined when it is empty, torn or not a position. */
function readSlot(bytes: Uint8Array): { seq: number; json: string } | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').trimEnd();
  const m = /^(\S+) (\d+) ([0-9a-f]{8}) (.*)$/s.exec(text);
  if (m === null || m[1] !== MAGIC) return undefined;
  const json = m[4]!;
  if (crc32c(Buffer.from(json)).toString(16).padStart(8, '0') !== m[3]) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { seq, json } : undefined;
}

function parseState(text: string, file: string): QueuePositionState {
  const bad = (why: string): never => {
    throw new Error(`${file}: invalid remote-write position: ${why}`);
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return bad((err as Error).message);
  }
  if (typeof v !== 'object' || v === null) return bad('not an object');
  const o = v as Record<string, unknown>;
  const low = position(o.low, bad);
  const shards = o.shards;
  if (!Number.isSafeInteger(shards) || (shards as number) < 1 || (shards as number) > 1_000_000) return bad('shards');
  const items = (x: unknown, name: string): (ItemPosition | null)[] => {
    if (!Array.isArray(x) || x.length !== shards) return bad(name);
    return x.map((e) => (e === null ? null : item(e, bad)));
  };
  return { low, shards: shards as number, acked: items(o.acked, 'acked'), inflight: items(o.inflight, 'inflight') };
}

function position(x: unknown, bad: (why: string) => never): WalPosition {
  if (typeof x !== 'object' || x === null) return bad('position');
  const { segment, offset } = x as Record<string, unknown>;
  if (!Number.isSafeInteger(segment) || (segment as number) < 0) return bad('segment');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) return bad('offset');
  return { segment: segment as number, offset: offset as number };
}

function item(x: unknown, bad: (why: string) => never): ItemPosition {
  const p = position(x, bad);
  const index = (x as Record<string, unknown>).index;
  if (!Number.isSafeInteger(index) || (index as number) < 0) return bad('index');
  return { ...p, index: index as number };
}
