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

import { readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
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
 * The position file of one queue (`<dir>/position`): JSON, replaced atomically (written to a
 * temporary file, fsynced, renamed, directory fsynced), with asynchronous I/O so the event loop
 * never waits on a disk. Saves are coalesced: while one is being written, later states wait and
 * only the newest is written next. A lazy save may wait up to `lazyMs` to share a write.
 */
export class PositionStore {
  readonly file: string;
  private pending: QueuePositionState | undefined;
  private writing: Promise<void> | undefined;
  private lazyTimer: NodeJS.Timeout | undefined;

  constructor(readonly dir: string, private readonly lazyMs = 1000) {
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

  /** Saves `state` durably; resolves once it (or a newer state) is on disk. */
  save(state: QueuePositionState): Promise<void> {
    clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    this.pending = state;
    this.writing ??= this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  /** Saves `state` within `lazyMs` (unless a newer save comes first). */
  saveLazily(state: QueuePositionState): void {
    this.pending = state;
    if (this.writing !== undefined || this.lazyTimer !== undefined) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = undefined;
      if (this.pending !== undefined) void this.save(this.pending).catch(() => undefined);
    }, this.lazyMs);
  }

  /** Writes a pending lazy state now. */
  async flush(): Promise<void> {
    if (this.pending !== undefined) await this.save(this.pending);
    else await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending !== undefined) {
      const state = this.pending;
      this.pending = undefined;
      await writeState(this.file, state);
    }
  }
}

async function writeState(file: string, state: QueuePositionState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(state));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
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
