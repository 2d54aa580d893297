// Snapshots, as Prometheus 2.42's DB.Snapshot: each block is hard-linked file by file into
// `<dir>/<ulid>/` (meta.json, index, tombstones, chunks/*), so a snapshot costs no copy and later
// changes to the live block (deletions rewrite meta.json and tombstones by rename) leave it alone;
// the head, unless skipped, is written there as one more block over its whole range.

import { link, mkdir, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Block } from './block/block.js';
import { META_FILENAME } from './block/meta.js';
import { isUlid } from './block/ulid.js';
import { writeHeadBlock } from './compact/head-block.js';
import type { Head } from './head/head.js';
import { TOMBSTONES_FILENAME } from './tombstones/reader.js';

export interface SnapshotLogger {
  info(obj: object, msg?: string): void;
}

/** A snapshot directory Prometheus refuses: the data directory itself, or one named like a block. */
export function snapshotDirProblem(dir: string, dataDir: string): string | undefined {
  if (resolve(dir) === resolve(dataDir)) return 'cannot snapshot into base directory';
  if (isUlid(basename(dir))) return 'dir must not be a valid ULID';
  return undefined;
}

/** Hard-links every file of `block` into `<dir>/<ulid>/`. */
export async function snapshotBlock(block: Block, dir: string): Promise<void> {
  const target = join(dir, block.ulid);
  await mkdir(join(target, 'chunks'), { recursive: true });
  for (const name of [META_FILENAME, 'index', TOMBSTONES_FILENAME]) {
    try {
      await link(join(block.dir, name), join(target, name));
    } catch (e) {
      // Blocks of old Prometheus versions may lack a tombstones file; the snapshot then lacks it too.
      if (name === TOMBSTONES_FILENAME && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`create snapshot ${name}: ${(e as Error).message}`, { cause: e });
    }
  }
  for (const name of await readdir(join(block.dir, 'chunks'))) {
    await link(join(block.dir, 'chunks', name), join(target, 'chunks', name));
  }
}

/**
 * Writes the head's samples (in order and out of order, deleted ones left out) as a block in `dir`
 * covering [its first sample, its last sample + 1). Nothing is written for an empty head.
 */
export async function snapshotHead(head: Head, dir: string): Promise<void> {
  const mint = Math.min(head.minTime, head.minOOOTime);
  const maxt = Math.max(head.maxTime, head.maxOOOTime);
  if (mint > maxt) return;
  await writeHeadBlock(head, dir, mint, maxt + 1);
}

/** Snapshots the blocks and, when given, the head into `dir` (which must exist). */
export async function snapshot(dir: string, blocks: readonly Block[], head: Head | undefined, logger: SnapshotLogger): Promise<void> {
  for (const block of blocks) {
    logger.info({ block: block.ulid }, 'Snapshotting block');
    try {
      await snapshotBlock(block, dir);
    } catch (e) {
      throw new Error(`error snapshotting block: ${block.dir}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (head === undefined) return;
  try {
    await snapshotHead(head, dir);
  } catch (e) {
    throw new Error(`snapshot head block: ${(e as Error).message}`, { cause: e });
  }
}
