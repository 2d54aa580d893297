// promwasm forwarding to a real Prometheus 2.42 (--web.enable-remote-write-receiver): what promwasm
// ingests by remote write and by scraping arrives upstream exactly (promtool tsdb dump of both
// directories), with the external labels added and write relabeling applied, across an upstream
// outage during which promwasm keeps ingesting and is itself restarted.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressSync } from '../../src/native/snappy.js';
import { exited, freePort, runCli, startServer, type RunningServer } from '../helpers/cli.js';
import { PROMTOOL } from '../helpers/promtool.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS || !PROMTOOL) console.warn('prometheus/promtool are not on PATH: skipping the forwarding test against a real Prometheus 2.42');

const dir = mkdtempSync(join(tmpdir(), 'promwasm-forwarding-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startUpstream(dataDir: string, port: number): Promise<ChildProcess> {
  const config = join(dir, 'upstream.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
  const proc = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
    { stdio: 'ignore' },
  );
  children.push(proc);
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}`);
    if ((await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.status).catch(() => 0)) === 200) return proc;
    await sleep(100);
  }
  throw new Error('prometheus did not become ready');
}

async function stop(proc: ChildProcess): Promise<void> {
  proc.kill('SIGTERM');
  expect(await exited(proc)).toBe(0);
}

/** A scrape target whose counter grows by one per scrape. */
async function startTarget(): Promise<{ server: Server; port: number }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(`# TYPE e2e_counter counter\ne2e_counter{k="a"} ${n}\ne2e_gauge ${n / 4}\ndrop_me_scraped ${n}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const RW_SERIES = [
  ...Array.from({ length: 20 }, (_, i) => encodeLabels([{ name: '__name__', value: 'rw_metric' }, { name: 'i', value: String(i) }])),
  encodeLabels([{ name: '__name__', value: 'drop_me_rw' }]),
];

/** One remote-write request to promwasm: every series gets one sample at `t`. */
async function pushRound(url: string, round: number, t: number): Promise<void> {
  const values = Float64Array.from(RW_SERIES, (_, i) => round * 100 + i + 0.25);
  const body = compressSync(encodeWriteRequest(RW_SERIES, values, t));
  const res = await fetch(`${url}/api/v1/write`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' } });
  expect(res.status).toBe(204);
}

function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** promtool tsdb dump lines as a set, the series' labels transformed by `map` (null drops the line). */
function dump(dataDir: string, map: (labels: [string, string][]) => [string, string][] | null = (l) => l): Set<string> {
  const r = spawnSync(PROMTOOL!, ['tsdb', 'dump', dataDir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const cut = line.indexOf('} ');
    const labels = [...line.slice(1, cut).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!] as [string, string]);
    const mapped = map(labels);
    if (mapped === null) continue;
    mapped.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    out.add(`{${mapped.map(([n, v]) => `${n}="${v}"`).join(', ')}}${line.slice(cut + 1)}`);
  }
  return out;
}

/** What the upstream should hold of a promwasm series: external label, then write relabeling. */
function forwarded(labels: [string, string][]): [string, string][] | null {
  const name = labels.find(([n]) => n === '__name__')?.[1] ?? '';
  if (/^drop_me.*$/.test(name)) return null;
  const out = labels.filter(([n]) => n !== 'via');
  if (!out.some(([n]) => n === 'cluster')) out.push(['cluster', 'e2e']);
  out.push(['via', 'promwasm']);
  return out;
}

describe.skipIf(!HAS_PROMETHEUS || !PROMTOOL)('promwasm forwarding to a real Prometheus 2.42', () => {
  it('forwards everything exactly, across an upstream outage and a promwasm restart', async () => {
    const upPort = await freePort();
    const upData = join(dir, 'upstream');
    let upstream = await startUpstream(upData, upPort);
    const target = await startTarget();
    const config = join(dir, 'promwasm.yml');
    const scrape = [
      'scrape_configs:',
      '  - job_name: target',
      `    static_configs: [{targets: ["127.0.0.1:${target.port}"]}]`,
    ];
    const writeConfig = (withScrape: boolean): void =>
      writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  external_labels: {cluster: e2e}',
          ...(withScrape ? scrape : []),
          'remote_write:',
          `  - url: http://127.0.0.1:${upPort}/api/v1/write`,
          '    remote_timeout: 2s',
          '    write_relabel_configs:',
          "      - {source_labels: [__name__], regex: 'drop_me.*', action: drop}",
          '      - {target_label: via, replacement: promwasm}',
          '    queue_config: {batch_send_deadline: 100ms, max_samples_per_send: 200, min_backoff: 50ms, max_backoff: 500ms}',
          '',
        ].join('\n'),
      );
    writeConfig(true);
    const data = join(dir, 'promwasm');
    const flags = [`--config.file=${config}`, '--web.enable-lifecycle', '--storage.remote.flush-deadline=2s', '--log.level=warn'];
    let promwasm: RunningServer = await startServer(data, flags);
    children.push(promwasm.proc);
    const t0 = Date.now() - 60_000;
    let round = 0;
    const push = async (rounds: number): Promise<void> => {
      for (let i = 0; i < rounds; i++, round++) {
        await pushRound(promwasm.url, round, t0 + round * 1000);
        await sleep(150);
      }
    };
    try {
      await push(10);
      await sleep(2000);
      // Outage: the upstream goes away; promwasm keeps taking data, and is restarted meanwhile.
      await stop(upstream);
      await push(10);
      await sleep(1500);
      await stop(promwasm.proc);
      promwasm = await startServer(data, flags);
      children.push(promwasm.proc);
      await push(10);
      await sleep(1500);
      upstream = await startUpstream(upData, upPort);
      await push(5);
      // The end: no more scrapes (their end-of-run stale markers are the last samples), then catch up.
      writeConfig(false);
      expect((await fetch(`${promwasm.url}/-/reload`, { method: 'POST' })).status).toBe(200);
      let self = '';
      for (let i = 0; i < 200; i++) {
        await sleep(200);
        self = await fetch(`${promwasm.url}/metrics`).then((r) => r.text());
        const read = metric(self, 'prometheus_remote_storage_highest_timestamp_in_seconds');
        const sent = metric(self, 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds');
        if (read > 0 && sent >= read && metric(self, 'prometheus_remote_storage_samples_pending') === 0) break;
      }
      await sleep(1000);
      expect(metric(self, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
      expect(metric(self, 'prometheus_remote_storage_samples_total')).toBeGreaterThan(0);
      await stop(promwasm.proc);
      await stop(upstream);
    } finally {
      target.server.close();
    }

    const expected = dump(data, forwarded);
    const received = dump(upData);
    const rwLines = [...expected].filter((l) => l.startsWith('{__name__="rw_metric"'));
    expect(rwLines).toHaveLength(20 * 35);
    expect([...expected].some((l) => l.startsWith('{__name__="e2e_counter"'))).toBe(true);
    expect([...received].filter((l) => !expected.has(l))).toEqual([]);
    expect([...expected].filter((l) => !received.has(l))).toEqual([]);
  }, 180_000);
});

describe('remote write 2.0 into promwasm\'s own receiver', () => {
  it('stores exactly what the sending WAL holds, stale markers included', async () => {
    const { DB } = await import('../../src/tsdb/db.js');
    const { parseConfig } = await import('../../src/config/index.js');
    const { labelsFromRecord } = await import('../../src/model/labels.js');
    const { RemoteWriteStorage } = await import('../../src/remote/write/index.js');
    const receiver = await startServer(join(dir, 'receiver'), ['--log.level=warn']);
    children.push(receiver.proc);
    const senderDir = join(dir, 'sender');
    const db = await DB.open({
      dir: senderDir, retentionMs: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 7_200_000, walCompression: true, outOfOrderTimeWindowMs: 0,
      compactionIntervalMs: 0,
    });
    const stale = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);
    const t0 = Date.now() - 600_000;
    for (let t = 0; t < 100; t++) {
      const app = db.appendable.appender();
      for (let s = 0; s < 3; s++) {
        const ts = Float64Array.of(t0 + t * 1000);
        const vs = t === 99 && s === 0 ? stale : Float64Array.of(t * 1.5 - s);
        app.appendSamples(0, labelsFromRecord({ __name__: 'v2_metric', s: String(s) }), ts, vs, 0, 1);
      }
      await app.commit();
    }
    const config = parseConfig(`remote_write:\n  - url: ${receiver.url}/api/v1/write\n    queue_config: {batch_send_deadline: 50ms, max_samples_per_send: 70}\n`, 'x.yml').prometheus;
    const v2 = { ...config, remoteWrite: [{ ...config.remoteWrite[0]!, protobufMessage: 'io.prometheus.write.v2.Request' as const }] }; // as `protobuf_message` in prometheus.yml
    const rw = new RemoteWriteStorage({ walDir: join(senderDir, 'wal'), dataDir: senderDir, logger: { info() {}, warn() {}, error() {} }, pollMs: 20 });
    await rw.applyConfig(v2);
    const sent = rw.metrics.registry.getSingleMetric('prometheus_remote_storage_samples_total')!;
    for (let i = 0; i < 200 && ((await sent.get()).values[0]?.value ?? 0) < 300; i++) await sleep(50);
    const failed = rw.metrics.registry.getSingleMetric('prometheus_remote_storage_samples_failed_total')!;
    expect((await failed.get()).values[0]?.value ?? 0).toBe(0);
    await rw.close();
    await db.close();
    await stop(receiver.proc);
    const ours = runCli(['tsdb', 'dump', senderDir]);
    const theirs = runCli(['tsdb', 'dump', join(dir, 'receiver')]);
    expect(ours.status, ours.stderr).toBe(0);
    expect(theirs.status, theirs.stderr).toBe(0);
    const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '').sort();
    expect(lines(ours.stdout)).toHaveLength(300);
    expect(lines(theirs.stdout)).toEqual(lines(ours.stdout));
    expect(theirs.stdout).toContain('NaN');
  }, 120_000);
});
