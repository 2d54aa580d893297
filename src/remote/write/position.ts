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

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
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

/**
 * The position file of one queue (`<dir>/position`): JSON, replaced atomically (a temporary file
 * renamed over it). A write is synchronous and small (tens of microseconds, no thread-pool round
 * trip in the path of every batch); frequent background updates are coalesced.
 *
 * Durability follows the WAL's: a written state survives a crash of the process at once (the
 * rename is in the kernel when write() returns), and is fsynced (file and directory) within
 * `syncMs` (the WAL, like Prometheus's, is fsynced when a segment is closed). A position lost to
 * a power failure only means that items are sent again.
 */
export class PositionStore {
  readonly file: string;
  private pending: QueuePositionState | undefined;
  private laterTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private unsynced = false;
  private dirMade = false;

  constructor(
    readonly dir: string,
    private readonly syncMs = 1000,
    private readonly laterMs = 100,
  ) {
    this.file = join(dir, 'position');
  }

  /** The saved state, or undefined when there is none; a damaged file is an error with its path. */
  load(): QueuePositionState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseState(text, this.file);
  }

  /** Writes `state` now; an fsync follows within syncMs. Throws on an I/O error. */
  write(state: QueuePositionState): void {
    this.pending = undefined;
    clearTimeout(this.laterTimer);
    this.laterTimer = undefined;
    if (!this.dirMade) mkdirSync(this.dir, { recursive: true });
    this.dirMade = true;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.file);
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

  /** Writes what is pending and fsyncs it. */
  async flush(): Promise<void> {
    if (this.pending !== undefined) this.write(this.pending);
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.syncing;
    if (this.unsynced) await this.sync();
  }

  private async sync(): Promise<void> {
    this.unsynced = false;
    await syncPath(this.file);
    await syncPath(dirname(this.file));
  }
}

async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
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
