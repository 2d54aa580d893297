import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalCorruptionError, WalWriter, replayWal } from '../../../src/tsdb/wal/index.js';
import { bitsOf, tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'kill-child.ts');

describe('durability', () => {
  it('keeps every acknowledged record when the process is killed with SIGKILL', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(8 * 32768)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = -1;
    let pending = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      if (lines.length > 0) acked = Number(lines[lines.length - 1]);
      if (acked >= 400) child.kill('SIGKILL');
    });
    expect(await exited).toBe('SIGKILL');
    expect(acked).toBeGreaterThanOrEqual(400);

    // Replay: records 0..acked must all be there, intact, in order.
    const w = WalWriter.open(dir);
    let records = 0;
    let stale = 0;
    const check = {
      samples(cols: { length: number; ts: Float64Array; vs: Float64Array }) {
        expect(cols.length).toBe(100);
        expect(cols.ts[0]).toBe(records * 1000);
        for (let j = 0; j < cols.length; j++) {
          if (j % 10 === 0) stale += bitsOf(cols.vs, j) === '7ff0000000000002' ? 1 : 0;
          else expect(cols.vs[j]).toBe(records + j / 100);
        }
        records++;
      },
    };
    try {
      replayWal(dir, check);
    } catch (e) {
      // A write cut short by the kill can only affect records after the acknowledged ones.
      expect(e).toBeInstanceOf(WalCorruptionError);
      w.repair(e as WalCorruptionError);
    }
    await w.close();
    expect(records).toBeGreaterThan(acked);
    expect(stale).toBe(records * 10);
  });
});
