// The admin API's HTTP surface against a recording storage: gating by --web.enable-admin-api, Prometheus
// 2.42's answers (checked against the real binary: statuses, JSON envelopes, 204s, the router's 405),
// parameters from the query string and from a form body, time parsing, snapshot names.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Matcher } from '../../src/model/matchers.js';
import { adminPlugin, snapshotName, type AdminStorage } from '../../src/web/admin.js';
import { parseTime } from '../../src/web/api/params.js';
import { testApp } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'promwasm-admin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

class RecordingStorage implements AdminStorage {
  readonly deletes: { mint: number; maxt: number; matchers: string }[] = [];
  cleans = 0;
  readonly snapshots: { dir: string; withHead: boolean }[] = [];
  fail: string | undefined;

  async delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void> {
    if (this.fail) throw new Error(this.fail);
    this.deletes.push({ mint, maxt, matchers: matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',') });
  }
  async cleanTombstones(): Promise<void> {
    if (this.fail) throw new Error(this.fail);
    this.cleans++;
  }
  async snapshot(dir: string, withHead: boolean): Promise<void> {
    if (this.fail) throw new Error(this.fail);
    this.snapshots.push({ dir, withHead });
  }
}

function app(enabled: boolean, storage = new RecordingStorage()) {
  const t = testApp({ plugins: [{ plugin: adminPlugin, prefix: '/api/v1', options: { enabled, dataDir, storage: () => storage } }] });
  t.readiness.set(true);
  return { ...t, storage };
}

const DISABLED = '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}';

describe('admin API gate', () => {
  it('answers 500 "admin APIs disabled" on every endpoint and method without --web.enable-admin-api, touching nothing', async () => {
    const { app: a, storage } = app(false);
    for (const path of ['delete_series?match[]=up', 'clean_tombstones', 'snapshot']) {
      for (const method of ['POST', 'PUT'] as const) {
        const r = await a.inject({ method, url: `/api/v1/admin/tsdb/${path}` });
        expect(r.statusCode).toBe(500);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.body).toBe(DISABLED);
      }
    }
    expect(storage.deletes.length + storage.cleans + storage.snapshots.length).toBe(0);
  });

  it('answers GET with the router 405 and the methods allowed, enabled or not', async () => {
    for (const enabled of [false, true]) {
      const r = await app(enabled).app.inject({ method: 'GET', url: '/api/v1/admin/tsdb/snapshot' });
      expect(r.statusCode).toBe(405);
      expect(r.headers['allow']).toBe('OPTIONS, POST, PUT');
      expect(r.body).toBe('Method Not Allowed\n');
    }
  });

  it('answers 503 while the storage is not ready, as every API endpoint', async () => {
    const t = app(true);
    t.readiness.set(false);
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/admin/tsdb/clean_tombstones' });
    expect(r.statusCode).toBe(503);
  });
});

describe('delete_series', () => {
  it('deletes each match[] over [start, end], from the query string and a form body, and answers 204', async () => {
    const { app: a, storage } = app(true);
    const r = await a.inject({
      method: 'POST',
      url: '/api/v1/admin/tsdb/delete_series?match[]=up&start=1.5&end=2023-01-02T03:04:05.678Z',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'match[]=' + encodeURIComponent('{job="a",x=~"b.*"}'),
    });
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    // Body values first, as Go's r.Form.
    expect(storage.deletes).toEqual([
      { mint: 1500, maxt: 1672628645678, matchers: 'job="a",x=~"b.*"' },
      { mint: 1500, maxt: 1672628645678, matchers: '__name__="up"' },
    ]);
  });

  it('defaults start and end to the whole int64 range and ignores bodies that are not forms', async () => {
    const { app: a, storage } = app(true);
    const r = await a.inject({
      method: 'PUT',
      url: '/api/v1/admin/tsdb/delete_series?match[]=up',
      headers: { 'content-type': 'application/json' },
      payload: '{"match[]":"down"}',
    });
    expect(r.statusCode).toBe(204);
    expect(storage.deletes).toEqual([{ mint: -(2 ** 63), maxt: 2 ** 63, matchers: '__name__="up"' }]);
  });

  it('answers bad_data with Prometheus messages for a missing match[], a bad time, a bad selector', async () => {
    const { app: a, storage } = app(true);
    const cases: [string, string][] = [
      ['', 'no match[] parameter provided'],
      ['?match[]=up&start=abc', `invalid parameter \\"start\\": Invalid time value for 'start': cannot parse \\"abc\\" to a valid timestamp`],
      ['?match[]=up&end=2023-13-01T00:00:00Z', `invalid parameter \\"end\\": Invalid time value for 'end': cannot parse \\"2023-13-01T00:00:00Z\\" to a valid timestamp`],
      ['?match[]=up%7B', 'invalid parameter \\"match[]\\": 1:4: parse error: unexpected end of input inside braces'],
    ];
    for (const [query, message] of cases) {
      const r = await a.inject({ method: 'POST', url: `/api/v1/admin/tsdb/delete_series${query}` });
      expect(r.statusCode, query).toBe(400);
      expect(r.body, query).toBe(`{"status":"error","errorType":"bad_data","error":"${message}"}`);
    }
    expect(storage.deletes).toEqual([]);
  });

  it('reports a storage failure as internal, the message escaped as Go escapes it', async () => {
    const storage = new RecordingStorage();
    storage.fail = 'disk <on> fire & "smoke"';
    const r = await app(true, storage).app.inject({ method: 'POST', url: '/api/v1/admin/tsdb/delete_series?match[]=up' });
    expect(r.statusCode).toBe(500);
    expect(r.body).toBe('{"status":"error","errorType":"internal","error":"disk \\u003con\\u003e fire \\u0026 \\"smoke\\""}');
  });
});

describe('clean_tombstones and snapshot', () => {
  it('clean_tombstones answers 204', async () => {
    const { app: a, storage } = app(true);
    const r = await a.inject({ method: 'PUT', url: '/api/v1/admin/tsdb/clean_tombstones' });
    expect(r.statusCode).toBe(204);
    expect(storage.cleans).toBe(1);
  });

  it('snapshot creates <data>/snapshots/<name>, snapshots into it and answers its name; skip_head is a Go bool', async () => {
    const { app: a, storage } = app(true);
    const r = await a.inject({ method: 'POST', url: '/api/v1/admin/tsdb/snapshot' });
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body) as { status: string; data: { name: string } };
    expect(Object.keys(body)).toEqual(['status', 'data']);
    expect(body.data.name).toMatch(/^\d{8}T\d{6}Z-[0-7][0-9a-f]{15}$/);
    const dir = join(dataDir, 'snapshots', body.data.name);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(storage.snapshots).toEqual([{ dir, withHead: true }]);

    const skip = await a.inject({ method: 'POST', url: '/api/v1/admin/tsdb/snapshot', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'skip_head=T' });
    expect(skip.statusCode).toBe(200);
    expect(storage.snapshots[1]!.withHead).toBe(false);

    const bad = await a.inject({ method: 'POST', url: '/api/v1/admin/tsdb/snapshot?skip_head=maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe(
      '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"skip_head\\": unable to parse boolean: strconv.ParseBool: parsing \\"maybe\\": invalid syntax"}',
    );
    expect(storage.snapshots.length).toBe(2);
  });

  it('snapshot names follow 20060102T150405Z-%016x', () => {
    expect(snapshotName(new Date(Date.UTC(2023, 0, 2, 3, 4, 5)))).toMatch(/^20230102T030405Z-[0-7][0-9a-f]{15}$/);
  });
});

/** The API's time parsing (admin and query routes share it), undefined where it refuses the text. */
function parseApiTime(text: string): number | undefined {
  try {
    return parseTime(text);
  } catch {
    return undefined;
  }
}

describe('parseApiTime', () => {
  it('reads Unix seconds as 2.42 does (fraction rounded to ms, time.Unix normalisation) and RFC 3339', () => {
    const cases: [string, number | undefined][] = [
      ['0', 0],
      ['1.5', 1500],
      ['-1.5', -1500],
      ['1.0006', 1001],
      ['1.0004', 1000],
      ['-0.0016', -2],
      ['1e3', 1_000_000],
      ['.25', 250],
      ['1700000000.123', 1700000000123],
      ['2023-01-02T03:04:05Z', 1672628645000],
      ['2023-01-02T03:04:05.9999Z', 1672628645999],
      ['2023-01-02T03:04:05+01:30', 1672628645000 - 90 * 60_000],
      ['1969-12-31T23:59:59.5Z', -500],
      ['2023-02-29T00:00:00Z', undefined],
      ['2023-01-02 03:04:05Z', undefined],
      ['Inf', undefined],
      ['', undefined],
    ];
    for (const [text, ms] of cases) expect(parseApiTime(text), text).toBe(ms);
  });
});
