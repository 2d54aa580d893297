// The position file: two checksummed slots written in turn; a torn or damaged slot falls back to
// the other; states that outgrow the slots move to a bigger file; damage is a clear error.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PositionStore, type QueuePositionState } from '../../../src/remote/write/position.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-position-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const state = (offset: number, shards = 1): QueuePositionState => ({
  low: { segment: 3, offset },
  shards,
  acked: Array.from({ length: shards }, (_, i) => (i % 2 ? null : { segment: 3, offset: offset + 10, index: i })),
  inflight: Array.from({ length: shards }, () => null),
});

describe('PositionStore', () => {
  it('reads back the newest state, and the previous one when the newest slot is torn', async () => {
    const dir = join(root, 'a');
    const s = new PositionStore(dir);
    expect(s.load()).toBeUndefined();
    s.write(state(100));
    s.write(state(200));
    await s.close();
    expect(new PositionStore(dir).load()).toEqual(state(200));
    const bytes = readFileSync(join(dir, 'position'));
    const half = bytes.length / 2;
    // The newest state (sequence 2) is in slot 0: tear it.
    bytes.fill(0x41, 40, 60);
    writeFileSync(join(dir, 'position'), bytes);
    expect(new PositionStore(dir).load()).toEqual(state(100));
    bytes.fill(0x41, half + 40, half + 60);
    writeFileSync(join(dir, 'position'), bytes);
    expect(() => new PositionStore(dir).load()).toThrow(/position: invalid remote-write position: no intact slot/);
    writeFileSync(join(dir, 'position'), 'garbage');
    expect(() => new PositionStore(dir).load()).toThrow(/invalid remote-write position: size 7/);
  });

  it('continues the sequence after a restart and grows its slots for bigger states', async () => {
    const dir = join(root, 'b');
    const s = new PositionStore(dir);
    s.write(state(1));
    await s.close();
    const t = new PositionStore(dir);
    expect(t.load()).toEqual(state(1));
    t.write(state(2, 300));
    t.write(state(3, 300));
    await t.close();
    expect(readFileSync(join(dir, 'position')).length).toBeGreaterThan(2 * 4096);
    expect(new PositionStore(dir).load()).toEqual(state(3, 300));
  });
});
