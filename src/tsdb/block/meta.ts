// A block's meta.json: identity, time range [minTime, maxTime), statistics and compaction lineage.
// Read as Go's json.Unmarshal would (unknown fields ignored, absent ones zero) but checked: a meta file
// Prometheus could not use (bad JSON, wrong types, version other than 1) is a MetaError.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUlid } from './ulid.js';

export const META_FILENAME = 'meta.json';

export interface BlockStats {
  readonly numSamples: number;
  readonly numSeries: number;
  readonly numChunks: number;
  readonly numTombstones: number;
}

export interface BlockDesc {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
}

export interface BlockMetaCompaction {
  readonly level: number;
  readonly sources: readonly string[];
  readonly deletable: boolean;
  readonly parents: readonly BlockDesc[];
  readonly failed: boolean;
  readonly hints: readonly string[];
}

export interface BlockMeta {
  /** Upper-case ULID (Go prints the parsed ULID, so case in the file does not matter). */
  readonly ulid: string;
  /** First sample time, inclusive. */
  readonly minTime: number;
  /** End of the block's range, exclusive. */
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: BlockMetaCompaction;
  /** The meta format version; always 1. */
  readonly version: 1;
}

/** meta.json is missing, unreadable or not a valid block meta. */
export class MetaError extends Error {
  override readonly name = 'MetaError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Reads `<blockDir>/meta.json`; returns the meta and the file's size in bytes. */
export async function readBlockMeta(blockDir: string): Promise<{ meta: BlockMeta; size: number }> {
  const file = join(blockDir, META_FILENAME);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new MetaError((e as Error).message, file);
  }
  return { meta: parseBlockMeta(bytes.toString('utf8'), file), size: bytes.length };
}

/** Parses the text of a meta.json. */
export function parseBlockMeta(text: string, file = META_FILENAME): BlockMeta {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new MetaError(`invalid JSON: ${(e as Error).message}`, file);
  }
  const r = new FieldReader(file);
  const root = r.object(json, 'meta');
  const version = r.int(root.version, 'version');
  if (version !== 1) throw new MetaError(`unexpected meta file version ${version}`, file);
  const stats = r.object(root.stats ?? {}, 'stats');
  const compaction = r.object(root.compaction ?? {}, 'compaction');
  return {
    ulid: r.ulid(root.ulid, 'ulid'),
    minTime: r.int(root.minTime, 'minTime'),
    maxTime: r.int(root.maxTime, 'maxTime'),
    stats: {
      numSamples: r.uint(stats.numSamples, 'stats.numSamples'),
      numSeries: r.uint(stats.numSeries, 'stats.numSeries'),
      numChunks: r.uint(stats.numChunks, 'stats.numChunks'),
      numTombstones: r.uint(stats.numTombstones, 'stats.numTombstones'),
    },
    compaction: {
      level: r.int(compaction.level, 'compaction.level'),
      sources: r.array(compaction.sources, 'compaction.sources').map((u, i) => r.ulid(u, `compaction.sources[${i}]`)),
      deletable: r.bool(compaction.deletable, 'compaction.deletable'),
      parents: r.array(compaction.parents, 'compaction.parents').map((p, i) => {
        const o = r.object(p, `compaction.parents[${i}]`);
        return { ulid: r.ulid(o.ulid, `parents[${i}].ulid`), minTime: r.int(o.minTime, 'minTime'), maxTime: r.int(o.maxTime, 'maxTime') };
      }),
      failed: r.bool(compaction.failed, 'compaction.failed'),
      hints: r.array(compaction.hints, 'compaction.hints').map((h, i) => r.string(h, `compaction.hints[${i}]`)),
    },
    version: 1,
  };
}

/** Typed access with Go's zero values for absent (undefined or null) fields. */
class FieldReader {
  constructor(private readonly file: string) {}

  private fail(field: string, expected: string): never {
    throw new MetaError(`field ${field}: expected ${expected}`, this.file);
  }

  object(v: unknown, field: string): Record<string, unknown> {
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'an object');
    return v as Record<string, unknown>;
  }

  array(v: unknown, field: string): unknown[] {
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) this.fail(field, 'an array');
    return v;
  }

  int(v: unknown, field: string): number {
    if (v === null || v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, 'an integer');
    return v;
  }

  uint(v: unknown, field: string): number {
    const n = this.int(v, field);
    if (n < 0) this.fail(field, 'a non-negative integer');
    return n;
  }

  bool(v: unknown, field: string): boolean {
    if (v === null || v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(field, 'a boolean');
    return v;
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, 'a string');
    return v;
  }

  ulid(v: unknown, field: string): string {
    const s = this.string(v, field);
    if (!isUlid(s)) this.fail(field, `a ULID, got ${JSON.stringify(s)}`);
    return s.toUpperCase();
  }
}
