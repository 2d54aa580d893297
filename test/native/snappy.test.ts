// src/native/snappy.ts: the codec through the one seam, and the loader the single executable uses
// for the addon (bytes → private temporary file → dlopen → file removed), exercised outside a SEA.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { compressSync, loadAddonBytes, uncompress, uncompressSync } from '../../src/native/snappy.js';
import { Prng } from '../helpers/prng.js';

const require = createRequire(import.meta.url);
const addonFile = createRequire(require.resolve('snappy')).resolve('@napi-rs/snappy-linux-x64-gnu');

function leftovers(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('promwasm-native-'));
}

describe('snappy through src/native/snappy.ts', () => {
  it('round-trips seeded inputs, sync and async', async () => {
    const prng = new Prng(8);
    for (let i = 0; i < 50; i++) {
      const src = prng.chance(0.5) ? prng.bytes(prng.int(0, 5000)) : new Uint8Array(prng.int(0, 5000)).fill(prng.int(0, 255));
      const block = compressSync(src);
      expect(uncompressSync(block)).toEqual(Buffer.from(src));
      expect(await uncompress(block)).toEqual(Buffer.from(src));
    }
  });

  it('throws on a corrupt block', async () => {
    const bad = Uint8Array.of(0x0a, 0xff, 0xff, 0xff);
    expect(() => uncompressSync(bad)).toThrow(/corrupt|invalid|snappy/i);
    await expect(uncompress(bad)).rejects.toThrow();
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('loadAddonBytes (the SEA path)', () => {
  it('loads the addon from its bytes and leaves no file behind', () => {
    const before = leftovers();
    const addon = loadAddonBytes(readFileSync(addonFile)) as { compressSync(b: Uint8Array): Buffer; uncompressSync(b: Uint8Array): Buffer };
    expect(leftovers()).toEqual(before);
    const text = Buffer.from('a snappy block, a snappy block, a snappy block');
    expect(addon.uncompressSync(addon.compressSync(text))).toEqual(text);
    // The same bytes as the package's own binding produces.
    expect(addon.compressSync(text)).toEqual(compressSync(text));
  });

  it('rejects bytes that are not a shared object, removing the file', () => {
    const before = leftovers();
    expect(() => loadAddonBytes(Buffer.from('not an ELF file'))).toThrow();
    expect(leftovers()).toEqual(before);
  });
});
