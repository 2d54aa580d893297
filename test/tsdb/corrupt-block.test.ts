// A block whose index or chunk segment is corrupt: the DB opens anyway, logs the block once, serves
// the others, and leaves the broken directory on disk for the operator (neither served nor deleted).

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../src/model/matchers.js';
import { Block } from '../../src/tsdb/block/block.js';
import { DB } from '../../src/tsdb/db.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/blocks');
const GOOD = '01M87X1JDRRPSPQC6QS2KG1QER';
const BROKEN = '01M87X1JRM3RJ0MJXRAA4W4XKD';
const root = mkdtempSync(join(tmpdir(), 'promwasm-corrupt-block-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function recordingLogger(lines: Logged[]) {
  const at = (level: Logged['level']) => (obj: object, msg?: string) => lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

async function samplesIn(db: DB): Promise<number> {
  let n = 0;
  for await (const s of db.select(parseSeriesSelector('{__name__=~".+"}'), -Infinity, Infinity)) {
    for await (const b of s.batches()) n += b.length;
  }
  return n;
}

async function goodBlockSamples(): Promise<number> {
  const block = await Block.open(join(FIXTURES, GOOD));
  try {
    let n = 0;
    for await (const s of block.select(parseSeriesSelector('{__name__=~".+"}'), -Infinity, Infinity)) {
      for await (const b of s.batches()) n += b.length;
    }
    return n;
  } finally {
    await block.close();
  }
}

describe('a corrupt block in the data directory', () => {
  it.each([
    ['index', (dir: string) => flipByte(join(dir, 'index'), 100)],
    ['chunk segment header', (dir: string) => flipByte(join(dir, 'chunks', '000001'), 0)],
  ])('with a damaged %s is logged and skipped, the rest served, the directory kept', async (_what, damage) => {
    const dir = mkdtempSync(join(root, 'db-'));
    cpSync(join(FIXTURES, GOOD), join(dir, GOOD), { recursive: true });
    cpSync(join(FIXTURES, BROKEN), join(dir, BROKEN), { recursive: true });
    damage(join(dir, BROKEN));

    const lines: Logged[] = [];
    const db = await DB.open({
      dir,
      retentionMs: 0,
      minBlockDurationMs: 2 * 3_600_000,
      walCompression: true,
      outOfOrderTimeWindowMs: 0,
      compactionIntervalMs: 0,
      logger: recordingLogger(lines),
    });
    try {
      expect(db.blocks.map((b) => b.ulid)).toEqual([GOOD]);
      expect(await samplesIn(db)).toBe(await goodBlockSamples());
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.obj.block).toBe(BROKEN);
      expect(errors[0]!.msg).toBe('Failed to open block; it is not served');
      expect(String(errors[0]!.obj.err)).toMatch(/index|chunks/);
      // Reloads (after every compaction) do not log it again, nor delete it.
      await db.compact();
      expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dir, BROKEN, 'meta.json'))).toBe(true);
  });
});

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0xff;
  writeFileSync(file, bytes);
}
