// The admin API end to end on the real server process: samples remote-written over a few (1-minute) block
// ranges, so some sit in blocks and some in the head; delete_series over both; a snapshot that promtool
// 2.42 dumps as our data minus the deleted range; a SIGKILL and a restart (head tombstones come back from
// the WAL); clean_tombstones; and the gate: without --web.enable-admin-api nothing is touched.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, describe, expect, it } from 'vitest';
import { formatGoFloat } from '../../src/format/index.js';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { exited, runCli, startServer, type RunningServer } from '../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtoolResult } from '../helpers/promtool.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-admin-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STEP = 5_000;
const T0 = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
const T1 = T0 + 5 * 60_000;
const SERIES: Labels[] = ['a', 'b'].flatMap((job) => [0, 1].map((i) => labelsFromRecord({ __name__: 'admin_e2e', job, i: String(i) })));

/** `labels value timestamp` lines, sorted, as a dump prints them (values are the timestamps / 1000). */
function expectedLines(deleted: (labels: Labels, t: number) => boolean): string[] {
  const lines: string[] = [];
  for (const labels of SERIES) {
    for (let t = T0; t < T1; t += STEP) {
      if (!deleted(labels, t)) lines.push(`{__name__="admin_e2e", i="${labels.find((l) => l.name === 'i')!.value}", job="${labels.find((l) => l.name === 'job')!.value}"} ${formatGoFloat(t / 1000)} ${t}`);
    }
  }
  return lines.sort();
}

function dumpLines(stdout: string): string[] {
  return stdout.split('\n').filter(Boolean).sort();
}

async function push(server: RunningServer): Promise<void> {
  const encoded = SERIES.map(encodeLabels);
  for (let t = T0; t < T1; t += STEP) {
    const body = snappy.compressSync(Buffer.from(encodeWriteRequest(encoded, new Float64Array(SERIES.length).fill(t / 1000), t)));
    const res = await fetch(`${server.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
      body,
    });
    expect(res.status, await res.text()).toBe(204);
  }
}

async function stop(server: RunningServer): Promise<void> {
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc), server.output()).toBe(0);
}

function post(server: RunningServer, path: string, form?: string): Promise<Response> {
  return fetch(`${server.url}/api/v1/admin/tsdb/${path}`, {
    method: 'POST',
    headers: form === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

const ADMIN = ['--web.enable-admin-api', '--storage.tsdb.min-block-duration=1m', '--storage.tsdb.max-block-duration=1m', '--log.level=warn'];

describe('admin API on the real server', () => {
  const dir = join(root, 'data');
  // job="a" loses [T0+50s, T0+250s]: the first ranges are blocks by then, the rest the head.
  const DEL_START = T0 + 50_000;
  const DEL_END = T0 + 250_000;
  const isDeleted = (labels: Labels, t: number): boolean => labels.some((l) => l.name === 'job' && l.value === 'a') && t >= DEL_START && t <= DEL_END;

  it('delete_series hides the range in blocks and head; a snapshot holds the rest; a kill and a restart keep it deleted', async () => {
    const server = await startServer(dir, ADMIN);
    await push(server);
    // Head compaction runs after commits; wait until blocks exist.
    for (let i = 0; i < 100 && readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length).toBeGreaterThan(0);

    const del = await post(server, 'delete_series', `match[]=${encodeURIComponent('{job="a"}')}&start=${DEL_START / 1000}&end=${new Date(DEL_END).toISOString()}`);
    expect(del.status, await del.text()).toBe(204);

    const snap = await post(server, 'snapshot');
    expect(snap.status).toBe(200);
    const { status, data } = (await snap.json()) as { status: string; data: { name: string } };
    expect(status).toBe('success');
    const snapDir = join(dir, 'snapshots', data.name);
    expect(existsSync(snapDir)).toBe(true);
    // Killed, not stopped: the head's tombstones must already be in the WAL.
    server.proc.kill('SIGKILL');
    await exited(server.proc);

    const dump = runCli(['tsdb', 'dump', dir]);
    expect(dump.status, dump.stderr).toBe(0);
    expect(dumpLines(dump.stdout)).toEqual(expectedLines(isDeleted));

    const again = await startServer(dir, ADMIN);
    await stop(again);
    const dump2 = runCli(['tsdb', 'dump', dir]);
    expect(dumpLines(dump2.stdout)).toEqual(expectedLines(isDeleted));

    if (!PROMTOOL) {
      console.warn(PROMTOOL_MISSING);
      return;
    }
    mkdirSync(join(snapDir, 'wal')); // promtool's read-only DB wants one; snapshots have none
    const theirs = promtoolResult(['tsdb', 'dump', snapDir]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(dumpLines(theirs.stdout)).toEqual(expectedLines(isDeleted));
  });

  it('clean_tombstones rewrites the blocks; the data stays the same', async () => {
    const server = await startServer(dir, ADMIN);
    const res = await post(server, 'clean_tombstones');
    expect(res.status).toBe(204);
    await stop(server);
    const dump = runCli(['tsdb', 'dump', dir]);
    expect(dumpLines(dump.stdout)).toEqual(expectedLines(isDeleted));
    if (!PROMTOOL) return;
    const theirs = promtoolResult(['tsdb', 'dump', dir]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(dumpLines(theirs.stdout)).toEqual(expectedLines(isDeleted));
  });

  it('without --web.enable-admin-api the endpoints answer "admin APIs disabled" and delete nothing', async () => {
    const other = join(root, 'disabled');
    const server = await startServer(other, ['--log.level=warn']);
    await push(server);
    for (const path of ['delete_series', 'clean_tombstones', 'snapshot']) {
      const res = await post(server, path, 'match[]=admin_e2e');
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}');
    }
    await stop(server);
    expect(existsSync(join(other, 'snapshots'))).toBe(false);
    const dump = runCli(['tsdb', 'dump', other]);
    expect(dumpLines(dump.stdout)).toEqual(expectedLines(() => false));
  });
});
