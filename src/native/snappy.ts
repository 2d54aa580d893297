// The one place the snappy codec (the native `snappy` package) is loaded. Every other module
// imports compressSync/uncompressSync/uncompress from here, so the single executable can bring
// the codec its own way: the addon travels as a SEA asset, is written to a private temporary
// directory (mkdtemp, mode 0700), loaded with process.dlopen and unlinked at once (the mapping
// outlives the file). The addon is loaded on first use, so `promwasm --version` never touches it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as SnappyModule from 'snappy';
import { seaApi } from './sea.js';

/** Name of the SEA asset holding the snappy addon (snappy.linux-x64-gnu.node) for this platform. */
export const SNAPPY_SEA_ASSET = 'snappy.node';

type SnappyBinding = Pick<typeof SnappyModule, 'compressSync' | 'uncompressSync' | 'uncompress'>;

let binding: SnappyBinding | undefined;

function snappy(): SnappyBinding {
  return (binding ??= loadSnappy());
}

function loadSnappy(): SnappyBinding {
  const sea = seaApi();
  if (sea === undefined) return createRequire(import.meta.url)('snappy') as SnappyBinding;
  try {
    return loadAddonBytes(new Uint8Array(sea.getAsset(SNAPPY_SEA_ASSET))) as SnappyBinding;
  } catch (err) {
    throw new Error(
      `cannot load the snappy codec from a temporary file under ${tmpdir()} (a noexec mount?): ` +
        `set TMPDIR to a directory that allows loading libraries: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Loads a native addon from its bytes: written to a fresh directory only this user can enter,
 * opened, then removed (Linux keeps the mapped library after the unlink).
 */
export function loadAddonBytes(bytes: Uint8Array): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-native-'));
  try {
    const file = join(dir, 'addon.node');
    writeFileSync(file, bytes, { mode: 0o500, flag: 'wx' });
    const module = { exports: {} as unknown };
    process.dlopen(module, file);
    return module.exports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Snappy block compression (never the framed format). */
export function compressSync(src: Uint8Array): Buffer {
  return snappy().compressSync(src);
}

/** Decodes a snappy block synchronously; throws on corrupt input. */
export function uncompressSync(src: Uint8Array): Buffer {
  return snappy().uncompressSync(src, { asBuffer: true }) as Buffer;
}

/** Decodes a snappy block on the libuv thread pool; rejects on corrupt input. */
export async function uncompress(src: Uint8Array): Promise<Buffer> {
  return (await snappy().uncompress(src, { asBuffer: true })) as Buffer;
}
