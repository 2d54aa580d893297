// Reloading the blocks of a data directory (Prometheus 2.42's DB.reloadBlocks): blocks that appeared
// are opened, and blocks that must go are chosen: those marked deletable, those a loaded block names
// as parents (a compaction finished, or crashed after its rename), and those beyond the time or size
// retention, oldest first. Deleting is a separate step, so the DB can first swap its block list and
// wait for the queries still reading the old one.

import { readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Block } from '../block/block.js';
import { readBlockMeta } from '../block/meta.js';
import { isUlid } from '../block/ulid.js';
import type { PlannedBlock } from './planner.js';

export interface RetentionPolicy {
  /** Blocks whose maxTime is more than this behind the newest block's are dropped; 0: no time limit. */
  readonly retentionMs: number;
  /** Bytes of blocks plus WAL the data may take; the oldest blocks over it are dropped. 0: no limit. */
  readonly retentionBytes: number;
}

export interface ReloadLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ReloadResult {
  /** The blocks to serve, sorted by minTime. */
  readonly blocks: Block[];
  /** Open blocks to close and delete once no query reads them. */
  readonly doomed: Block[];
  /** Block directories to delete that are not open (parents that failed to open, or were never loaded). */
  readonly doomedDirs: string[];
  /** Whether the time or the size retention dropped blocks (Prometheus counts each such reload). */
  readonly timeRetention: boolean;
  readonly sizeRetention: boolean;
  /** Bytes of the blocks kept (prometheus_tsdb_storage_blocks_bytes). */
  readonly blocksBytes: number;
}

/** A block as retention sees it. */
export interface RetainedBlock {
  readonly ulid: string;
  readonly maxTime: number;
  readonly size: number;
}

/**
 * The blocks beyond retention (Prometheus's BeyondTimeRetention and BeyondSizeRetention): with blocks
 * ordered newest first by maxTime, time retention drops every block from the first one whose maxTime
 * is more than `retentionMs` behind the newest; size retention adds the head's bytes (WAL) and then
 * block sizes, and drops every block from the first one that brings the total over the limit.
 */
export function beyondRetention(
  blocks: readonly RetainedBlock[],
  policy: RetentionPolicy,
  headBytes: number,
): { time: Set<string>; size: Set<string> } {
  const newestFirst = [...blocks].sort((a, b) => b.maxTime - a.maxTime);
  const time = new Set<string>();
  const size = new Set<string>();
  if (newestFirst.length === 0) return { time, size };
  if (policy.retentionMs > 0) {
    const newest = newestFirst[0]!.maxTime;
    const first = newestFirst.findIndex((b, i) => i > 0 && newest - b.maxTime > policy.retentionMs);
    if (first > 0) for (const b of newestFirst.slice(first)) time.add(b.ulid);
  }
  if (policy.retentionBytes > 0) {
    let total = headBytes;
    const first = newestFirst.findIndex((b) => (total += b.size) > policy.retentionBytes);
    if (first >= 0) for (const b of newestFirst.slice(first)) size.add(b.ulid);
  }
  return { time, size };
}

/** Bytes of the files under `path` (0 when it does not exist), as Go's fileutil.DirSize. */
export function dirSize(path: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    try {
      total += e.isDirectory() ? dirSize(p) : statSync(p).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // removed meanwhile
    }
  }
  return total;
}

/** What the head takes on disk and counts against size retention: WAL, write-behind log, head chunks. */
export function headDiskSize(dataDir: string): number {
  return dirSize(join(dataDir, 'wal')) + dirSize(join(dataDir, 'wbl')) + dirSize(join(dataDir, 'chunks_head'));
}

/**
 * Opens the block directories of `dir` not in `loaded` and decides what to keep. A block that fails to
 * open is logged (once per ULID, through `reported`) and skipped, not deleted, unless a loaded block
 * names it as a parent. Blocks whose meta.json on disk says deletable are dropped too.
 */
export async function reloadBlocks(
  dir: string,
  loaded: readonly Block[],
  policy: RetentionPolicy,
  logger: ReloadLogger,
  reported: Set<string> = new Set(),
): Promise<ReloadResult> {
  const byUlid = new Map(loaded.map((b) => [b.ulid, b]));
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isUlid(e.name))
    .map((e) => e.name)
    .sort();
  const loadable: Block[] = [];
  const corrupted = new Map<string, string>();
  const deletable = new Set<string>();
  for (const name of names) {
    const ulid = name.toUpperCase();
    let block = byUlid.get(ulid);
    try {
      // The meta on disk, not the one in memory: a compaction that came out empty marks its sources.
      if (block && (await readBlockMeta(block.dir)).meta.compaction.deletable) deletable.add(ulid);
      block ??= await Block.open(join(dir, name));
    } catch (err) {
      if (block) {
        deletable.add(ulid); // its meta.json vanished or broke under it: no longer a block to serve
      } else {
        corrupted.set(ulid, err instanceof Error ? err.message : String(err));
        continue;
      }
    }
    if (block.meta.compaction.deletable) deletable.add(block.ulid);
    loadable.push(block);
  }
  for (const b of loaded) if (!loadable.includes(b)) deletable.add(b.ulid); // its directory is gone

  const parents = new Set<string>();
  for (const b of loadable) for (const p of b.meta.compaction.parents) parents.add(p.ulid);
  const doomedDirs: string[] = [];
  for (const [ulid, message] of corrupted) {
    if (parents.has(ulid)) {
      logger.warn({ block: ulid }, 'Found corrupted block, but replaced by compacted one so it is safe to delete');
      doomedDirs.push(join(dir, ulid));
    } else if (!reported.has(ulid)) {
      reported.add(ulid);
      logger.error({ block: ulid, err: message }, 'Failed to open block; it is not served');
    }
  }

  const candidates = loadable.filter((b) => !deletable.has(b.ulid) && !parents.has(b.ulid));
  const retention = beyondRetention(
    candidates.map((b) => ({ ulid: b.ulid, maxTime: b.meta.maxTime, size: b.size })),
    policy,
    policy.retentionBytes > 0 ? headDiskSize(dir) : 0,
  );
  const doomed: Block[] = [];
  const blocks: Block[] = [];
  let blocksBytes = 0;
  for (const b of loadable) {
    if (deletable.has(b.ulid) || parents.has(b.ulid) || retention.time.has(b.ulid) || retention.size.has(b.ulid)) {
      doomed.push(b);
    } else {
      blocks.push(b);
      blocksBytes += b.size;
    }
  }
  for (const b of loaded) if (!loadable.includes(b)) doomed.push(b);
  blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
  return { blocks, doomed, doomedDirs, timeRetention: retention.time.size > 0, sizeRetention: retention.size.size > 0, blocksBytes };
}

/**
 * Closes and deletes blocks; each directory is first renamed to `<ulid>.tmp-for-deletion`, so a crash
 * never leaves half a block that looks whole (the next open removes the leftover).
 */
export async function deleteBlocks(doomed: readonly Block[], dirs: readonly string[], logger: ReloadLogger): Promise<void> {
  for (const b of doomed) {
    await b.close().catch((err: unknown) => logger.warn({ block: b.ulid, err: String(err) }, 'Closing block failed'));
  }
  for (const d of [...doomed.map((b) => b.dir), ...dirs]) {
    const doomedDir = `${d}.tmp-for-deletion`;
    try {
      await rename(d, doomedDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    await rm(doomedDir, { recursive: true, force: true });
    logger.info({ block: d.slice(d.length - 26) }, 'Deleting obsolete block');
  }
}

/** The blocks with their meta.json as on disk now (flags such as compaction.failed may have changed). */
export async function plannedBlocks(blocks: readonly Block[]): Promise<PlannedBlock[]> {
  return Promise.all(blocks.map(async (b) => ({ dir: b.dir, meta: (await readBlockMeta(b.dir)).meta })));
}
