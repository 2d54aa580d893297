// A data directory opened read-only, as Prometheus's DBReadOnly: the blocks found in it (directories
// named by a ULID), sorted by minTime, and queries that merge every source overlapping their range.
//
// The head (in-memory data replayed from wal/) is a seam, not a requirement: pass `openHead` and it is
// opened on the first query that reaches past the newest block, with that block's maxTime as the lowest
// valid sample time, as DBReadOnly does with head.Init(maxBlockTime). Without it, a directory of blocks
// alone is enough (promtool insists on a wal/ folder; this reader does not need one).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matcher } from '../../model/matchers.js';
import { MIN_INT64 } from '../tombstones/intervals.js';
import { Block } from './block.js';
import { mergeSeriesSets } from './merge.js';
import { MetaError } from './meta.js';
import type { SeriesData, SeriesSource } from './source.js';
import { isUlid } from './ulid.js';

export interface ReadOnlyDBOptions {
  /**
   * Opens the head of the data directory (from wal/, chunks_head/) as a source. Called at most once, on
   * the first query whose maxt reaches the newest block's maxTime; `minValidTime` is that maxTime
   * (MIN_INT64 without blocks): samples older than it must be left out. May return undefined (no head).
   */
  readonly openHead?: (dir: string, minValidTime: number) => Promise<SeriesSource | undefined>;
  /** Receives non-fatal problems, e.g. a block skipped because its meta.json is unreadable. */
  readonly onWarning?: (message: string) => void;
}

/** A block that could not be opened. */
export class CorruptedBlocksError extends Error {
  override readonly name = 'CorruptedBlocksError';
  constructor(readonly failures: ReadonlyMap<string, Error>) {
    const parts = [...failures].map(([ulid, e]) => `corrupted block ${ulid}: ${e.message}`);
    super(parts.length === 1 ? parts[0]! : `${parts.length} errors: ${parts.join('; ')}`);
  }
}

export class ReadOnlyDB {
  private head: Promise<SeriesSource | undefined> | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    /** The blocks, sorted by minTime (stable for equal minTimes: directory name order). */
    readonly blocks: readonly Block[],
    private readonly options: ReadOnlyDBOptions,
  ) {}

  /**
   * Opens every block in `dir`. A block whose meta.json cannot be read is skipped with a warning, as
   * Prometheus skips it; a block that fails to open otherwise is an error (CorruptedBlocksError), unless
   * a loaded block lists it as a parent (it was compacted away).
   */
  static async open(dir: string, options: ReadOnlyDBOptions = {}): Promise<ReadOnlyDB> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = entries.filter((e) => e.isDirectory() && isUlid(e.name)).map((e) => e.name).sort();
    const blocks: Block[] = [];
    const failures = new Map<string, Error>();
    for (const name of names) {
      try {
        blocks.push(await Block.open(join(dir, name)));
      } catch (e) {
        if (e instanceof MetaError) options.onWarning?.(`skipping block ${name}: ${e.message}`);
        else failures.set(name.toUpperCase(), e instanceof Error ? e : new Error(String(e)));
      }
    }
    for (const b of blocks) for (const p of b.meta.compaction.parents) failures.delete(p.ulid);
    if (failures.size > 0) {
      await Promise.all(blocks.map((b) => b.close()));
      throw new CorruptedBlocksError(failures);
    }
    blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
    warnOverlaps(blocks, options.onWarning);
    return new ReadOnlyDB(dir, blocks, options);
  }

  /** End of the newest block's range (exclusive), MIN_INT64 without blocks. */
  get maxBlockTime(): number {
    return this.blocks.length > 0 ? this.blocks[this.blocks.length - 1]!.meta.maxTime : MIN_INT64;
  }

  /**
   * The series satisfying every matcher with samples in the closed range [mint, maxt], sorted by labels,
   * each series once with the samples of all sources merged in time order.
   */
  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    if (this.closed) throw new Error('read-only DB is closed');
    const sources: SeriesSource[] = this.blocks.filter((b) => b.overlaps(mint, maxt));
    if (this.options.openHead && this.maxBlockTime <= maxt) {
      this.head ??= this.options.openHead(this.dir, this.maxBlockTime);
      const head = await this.head;
      if (head?.overlaps(mint, maxt)) sources.push(head);
    }
    if (sources.length === 0) return;
    yield* mergeSeriesSets(sources.map((s) => s.select(matchers, mint, maxt)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const head = await this.head;
    await Promise.all([...this.blocks.map((b) => b.close()), head?.close()]);
  }
}

function warnOverlaps(blocks: readonly Block[], onWarning: ((m: string) => void) | undefined): void {
  if (!onWarning) return;
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1]!.meta;
    const cur = blocks[i]!.meta;
    if (cur.minTime < prev.maxTime) {
      onWarning(`overlapping blocks: ${prev.ulid} [${prev.minTime}, ${prev.maxTime}) and ${cur.ulid} [${cur.minTime}, ${cur.maxTime})`);
    }
  }
}
