// The seed's first path end to end: the captured Prometheus 2.42 remote-write requests go
// over HTTP into a real promwasm server; afterwards the stored samples equal the decoded
// captures exactly, and the real promtool reads our WAL-only data directory the same way.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../src/format/index.js';
import { compareLabels, labelsFromRecord, labelsKey, type Labels } from '../../src/model/labels.js';
import { openReadOnly } from '../../src/index.js';
import { exited, runCli, startServer } from '../helpers/cli.js';
import { PROMTOOL } from '../helpers/promtool.js';
import { bitsOf, doubleOfBits, fixtureBody, fixtureExpected, fixtureNames } from '../remote/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'promwasm-rw-store-'));

interface ExpectedSeries {
  labels: Labels;
  samples: Map<number, string>; // timestamp -> value bits
}

/** Every sample of every fixture, grouped by series, as a receiver must store them. */
function expectedSeries(): ExpectedSeries[] {
  const byKey = new Map<string, ExpectedSeries>();
  for (const name of fixtureNames) {
    for (const ts of fixtureExpected(name).timeseries) {
      const labels = labelsFromRecord(ts.labels);
      const key = labelsKey(labels);
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { labels, samples: new Map() }));
      for (const sample of ts.samples) s.samples.set(Number(sample.timestamp), sample.bits);
    }
  }
  return [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

function expectedDump(series: ExpectedSeries[]): string {
  let out = '';
  for (const s of series) {
    const labels = formatLabels(s.labels);
    for (const [t, bits] of [...s.samples].sort((a, b) => a[0] - b[0])) {
      out += `${labels} ${formatGoFloat(doubleOfBits(bits)[0]!)} ${t}\n`;
    }
  }
  return out;
}

beforeAll(async () => {
  const server = await startServer(dir, ['--log.level=warn']);
  for (const name of fixtureNames) {
    const res = await fetch(`${server.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
      body: fixtureBody(name),
    });
    expect(res.status, `${name}: ${await res.text()}`).toBe(204);
  }
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('remote-write fixtures stored by a real server', () => {
  const expected = expectedSeries();

  it('keeps every sample bit for bit, stale markers included', async () => {
    const store = await openReadOnly(dir);
    let staleMarkers = 0;
    let i = 0;
    for await (const series of store.select('{__name__=~".+"}')) {
      const want = expected[i++]!;
      expect(formatLabels(series.labels)).toBe(formatLabels(want.labels));
      const got = new Map<number, string>();
      const cols = await series.samples();
      for (let k = 0; k < cols.length; k++) {
        const bits = bitsOf(cols.values, k);
        if (bits === '7ff0000000000002') staleMarkers++;
        got.set(cols.timestamps[k]!, bits);
      }
      expect(got).toEqual(want.samples);
    }
    expect(i).toBe(expected.length);
    expect(staleMarkers).toBe(81);
    await store.close();
  });

  it('prints the expected dump through `promwasm tsdb dump`', () => {
    const dump = runCli(['tsdb', 'dump', dir]);
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toBe(expectedDump(expected));
  });

  it.skipIf(!PROMTOOL)('reads back the same through the real `promtool tsdb dump` (WAL only)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'promwasm-rw-copy-'));
    try {
      cpSync(dir, copy, { recursive: true });
      const res = spawnSync('promtool', ['tsdb', 'dump', copy], { encoding: 'utf8', maxBuffer: 1 << 30 });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toBe(expectedDump(expected));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
