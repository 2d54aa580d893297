// The server takes the same `<dir>/lock` as openDB: a running promwasm keeps a library (or a second
// server) off its directory; --storage.tsdb.no-lockfile takes none.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirLockedError, openDB } from '../../src/index.js';
import { exited, startServer } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'promwasm-server-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the server and the directory lock', () => {
  it('holds <dir>/lock while running and removes it on shutdown', async () => {
    const server = await startServer(dir);
    try {
      expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${server.proc.pid}\n`);
      const err = await openDB(dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DirLockedError);
      expect((err as Error).message).toContain(`locked by process ${server.proc.pid}`);
    } finally {
      server.proc.kill('SIGTERM');
    }
    expect(await exited(server.proc)).toBe(0);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  }, 60_000);

  it('after a SIGKILL the lock is stale: the next start replaces it', async () => {
    const killed = await startServer(dir);
    killed.proc.kill('SIGKILL');
    expect(await exited(killed.proc)).toBe('SIGKILL');
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${killed.proc.pid}\n`);
    const server = await startServer(dir);
    try {
      expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${server.proc.pid}\n`);
    } finally {
      server.proc.kill('SIGTERM');
    }
    expect(await exited(server.proc)).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith('lock'))).toEqual([]);
  }, 60_000);

  it('--storage.tsdb.no-lockfile takes no lock', async () => {
    const server = await startServer(dir, ['--storage.tsdb.no-lockfile']);
    try {
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    } finally {
      server.proc.kill('SIGTERM');
    }
    expect(await exited(server.proc)).toBe(0);
  }, 60_000);
});
