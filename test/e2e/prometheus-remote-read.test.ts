// A real Prometheus 2.42 with `remote_read` pointing at promwasm answers PromQL over data that was
// remote-written into promwasm. Prometheus 2.42's client sends no accepted_response_types, so it
// negotiates SAMPLES; the streamed response of the same server is read by our own client here.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../src/model/labels.js';
import { crc32c } from '../../src/tsdb/encoding/crc32c.js';
import { decodeXorChunk } from '../../src/wasm/index.js';
import { exited, freePort, startServer } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';
import { protoRoot } from '../remote/proto-schema.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus is not on PATH: skipping the remote_read test against the real Prometheus 2.42');

const dir = mkdtempSync(join(tmpdir(), 'promwasm-prom-rr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STEP = 15_000;
const POINTS = 40;
const BASE = Math.floor((Date.now() - 20 * 60_000) / STEP) * STEP;
const END = BASE + (POINTS - 1) * STEP;
/** Stands for the stale marker until the request bytes are patched (a NaN could be canonicalised on the way). */
const STALE_PLACEHOLDER = 12345.678;

const SERIES = [
  labelsFromRecord({ __name__: 'rr_counter', job: 'a', instance: 'x' }),
  labelsFromRecord({ __name__: 'rr_counter', job: 'a', instance: 'y' }),
  labelsFromRecord({ __name__: 'rr_gauge', job: 'b', instance: 'z' }),
];
/** Sample i of each series: counters rising by 10 and 20 per step; the gauge, stale at the last step. */
const value = (s: number, i: number): number => (s === 0 ? 10 * i : s === 1 ? 20 * i : i === POINTS - 1 ? STALE_PLACEHOLDER : (i % 5) + 0.25);

async function writeData(url: string): Promise<void> {
  const encoded = SERIES.map(encodeLabels);
  const placeholder = Buffer.alloc(8);
  placeholder.writeDoubleLE(STALE_PLACEHOLDER);
  for (let i = 0; i < POINTS; i++) {
    const body = Buffer.from(encodeWriteRequest(encoded, Float64Array.from(SERIES, (_, s) => value(s, i)), BASE + i * STEP));
    const at = body.indexOf(placeholder);
    if (at >= 0) Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]).copy(body, at);
    const res = await fetch(`${url}/api/v1/write`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      body: snappy.compressSync(body),
    });
    expect(res.status, await res.text()).toBe(204);
  }
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function instant(url: string, query: string, time: number): Promise<VectorSample[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(time / 1000) })}`);
  const body = (await res.json()) as { status: string; data: { result: VectorSample[] }; error?: string };
  expect(body.status, body.error).toBe('success');
  return body.data.result.sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
}

/** Our own client of the streamed response: every frame's CRC checked, chunks decoded. */
async function streamedSamples(url: string): Promise<Map<string, number[]>> {
  const ReadRequest = protoRoot.lookupType('prometheus.ReadRequest');
  const ChunkedReadResponse = protoRoot.lookupType('prometheus.ChunkedReadResponse');
  const req = ReadRequest.encode(
    ReadRequest.create({
      queries: [{ startTimestampMs: BASE, endTimestampMs: END, matchers: [{ type: 2, name: '__name__', value: 'rr_.*' }] }],
      acceptedResponseTypes: [1, 0],
    }),
  ).finish();
  const res = await fetch(`${url}/api/v1/read`, { method: 'POST', body: snappy.compressSync(Buffer.from(req)) });
  expect(res.headers.get('content-type')).toBe('application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse');
  const body = Buffer.from(await res.arrayBuffer());
  const out = new Map<string, number[]>();
  for (let p = 0; p < body.length; ) {
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = body[p++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const msg = body.subarray(p + 4, p + 4 + len);
    expect(crc32c(msg)).toBe(body.readUInt32BE(p));
    p += 4 + len;
    const frame = ChunkedReadResponse.toObject(ChunkedReadResponse.decode(msg), { longs: Number }) as {
      chunkedSeries: { labels: { name: string; value: string }[]; chunks: { data: Uint8Array }[] }[];
    };
    for (const s of frame.chunkedSeries) {
      const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
      const ts = out.get(key) ?? [];
      for (const c of s.chunks) {
        const d = decodeXorChunk(c.data);
        ts.push(...d.timestamps.subarray(0, d.length));
      }
      out.set(key, ts);
    }
  }
  return out;
}

describe.skipIf(!HAS_PROMETHEUS)('real Prometheus reading promwasm through remote_read', () => {
  it('answers PromQL over promwasm data (SAMPLES), and the streamed response holds the same samples', async () => {
    const pwConfig = join(dir, 'promwasm.yml');
    writeFileSync(pwConfig, 'global:\n  scrape_interval: 1m\n  external_labels: { site: pw }\n');
    const promwasm = await startServer(join(dir, 'promwasm'), [`--config.file=${pwConfig}`, '--log.level=warn']);
    const port = await freePort();
    const prom = `http://127.0.0.1:${port}`;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, ['remote_read:', `  - url: ${promwasm.url}/api/v1/read`, '    read_recent: true', ''].join('\n'));
    const proc = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    try {
      await writeData(promwasm.url);
      for (let waited = 0; waited < 30_000; waited += 200) {
        if ((await fetch(`${prom}/-/ready`).then((r) => r.status).catch(() => 0)) === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }

      // Instant selectors: the latest sample within the lookback, external labels added by promwasm.
      const at = BASE + 20 * STEP + 5000;
      expect(await instant(prom, 'rr_counter', at)).toEqual([
        { metric: { __name__: 'rr_counter', instance: 'x', job: 'a', site: 'pw' }, value: [at / 1000, '200'] },
        { metric: { __name__: 'rr_counter', instance: 'y', job: 'a', site: 'pw' }, value: [at / 1000, '400'] },
      ]);
      // A matcher on promwasm's external label selects the series that do not store it.
      expect((await instant(prom, 'rr_gauge{site="pw"}', at)).map((s) => s.value[1])).toEqual(['0.25']);
      // rate over perfectly linear counters: 10/15 + 20/15 per second.
      const [rate] = await instant(prom, 'sum by (job) (rate(rr_counter[2m]))', END);
      expect(rate!.metric).toEqual({ job: 'a' });
      expect(Number(rate!.value[1])).toBeCloseTo(2, 12);
      expect(await instant(prom, 'count(rr_counter)', END)).toEqual([{ metric: {}, value: [END / 1000, '2'] }]);
      // The stale marker (sent bit for bit) ends the gauge; the sample before it still answers.
      expect(await instant(prom, 'rr_gauge', END)).toEqual([]);
      expect((await instant(prom, 'rr_gauge', END - STEP)).map((s) => s.value[1])).toEqual([String(((POINTS - 2) % 5) + 0.25)]);
      expect((await instant(prom, 'max_over_time(rr_counter[10m])', END)).map((s) => s.value[1])).toEqual(['390', '780']);

      // Range query: every step's value read back.
      const range = await fetch(
        `${prom}/api/v1/query_range?${new URLSearchParams({ query: 'rr_counter{instance="x"}', start: String(BASE / 1000), end: String(END / 1000), step: '15' })}`,
      ).then((r) => r.json() as Promise<{ data: { result: { values: [number, string][] }[] } }>);
      expect(range.data.result[0]!.values).toEqual(Array.from({ length: POINTS }, (_, i) => [(BASE + i * STEP) / 1000, String(10 * i)]));

      const streamed = await streamedSamples(promwasm.url);
      const expected = Array.from({ length: POINTS }, (_, i) => BASE + i * STEP);
      expect([...streamed.keys()]).toEqual([
        '__name__=rr_counter,instance=x,job=a,site=pw',
        '__name__=rr_counter,instance=y,job=a,site=pw',
        '__name__=rr_gauge,instance=z,job=b,site=pw',
      ]);
      for (const ts of streamed.values()) expect(ts).toEqual(expected);
    } finally {
      proc.kill('SIGTERM');
      await exited(proc);
      promwasm.proc.kill('SIGTERM');
      await exited(promwasm.proc);
    }
  }, 90_000);
});
