// The sharding recipe (examples/sharding) on loopback: two promwasm agents share ten targets by
// hashmod of __address__ and forward to one real Prometheus 2.42 receiver. Each target is scraped
// by exactly one node (the one its md5 hash picks), `up` arrives once per instance, and after an
// upstream outage during which one node restarts, the upstream holds exactly the samples the two
// agents logged, each once.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../src/format/index.js';
import { exited, freePort, ROOT } from '../helpers/cli.js';
import { PROMTOOL, promtool } from '../helpers/promtool.js';
import { readWal, tempDir } from '../tsdb/agent/helpers.js';

const PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
const SKIP = !PROMETHEUS || !PROMTOOL;
if (SKIP) console.warn('prometheus or promtool is not on PATH: skipping the two-node sharding test against a real Prometheus 2.42');

const TARGETS = 10;
const NODES = 2;

interface Proc {
  readonly url: string;
  readonly proc: ChildProcess;
  output(): string;
}

async function waitReady(url: string, proc: ChildProcess, out: () => string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}:\n${out()}`);
    if (Date.now() > deadline) throw new Error(`not ready:\n${out()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start(command: string, args: string[], port: number): Promise<Proc> {
  const proc = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, proc, () => out);
  return { url, proc, output: () => out };
}

async function stop(p: Proc): Promise<void> {
  p.proc.kill('SIGTERM');
  await exited(p.proc);
}

/** Prometheus's hashmod, computed independently: the last 8 bytes of the md5 sum, big-endian, modulo n. */
function hashmod(value: string, n: number): number {
  return Number(BigInt(`0x${createHash('md5').update(value).digest('hex').slice(16)}`) % BigInt(n));
}

describe.skipIf(SKIP)('two promwasm agents sharding targets into one Prometheus 2.42', () => {
  const work = tempDir('promwasm-sharding-');
  const targets: Server[] = [];
  const addresses: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < TARGETS; i++) {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
        res.end(`# TYPE shard_test_requests_total counter\nshard_test_requests_total{target="t${i}"} ${i * 10}\nshard_test_temperature{target="t${i}"} ${i + 0.5}\n`);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      targets.push(server);
      addresses.push(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });

  afterAll(async () => {
    await Promise.all(targets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    work.cleanup();
  });

  it('scrapes each target on one node only and forwards every sample once', async () => {
    // The split must actually split: both nodes get targets.
    const expected = Array.from({ length: NODES }, (_, k) => addresses.filter((a) => hashmod(a, NODES) === k).sort());
    expect(expected.every((list) => list.length > 0)).toBe(true);

    const upstreamPort = await freePort();
    const upstreamConfig = join(work.dir, 'upstream.yml');
    writeFileSync(upstreamConfig, 'global:\n  scrape_interval: 1h\n');
    const upstreamData = join(work.dir, 'upstream');
    const startUpstream = (): Promise<Proc> =>
      start(
        'prometheus',
        [`--config.file=${upstreamConfig}`, `--storage.tsdb.path=${upstreamData}`, `--web.listen-address=127.0.0.1:${upstreamPort}`, '--web.enable-remote-write-receiver'],
        upstreamPort,
      );
    let upstream: Proc | undefined = await startUpstream();

    const nodePorts: number[] = [];
    const startNode = (k: number): Promise<Proc> =>
      start(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), '--enable-feature=agent', `--config.file=${join(work.dir, `node-${k}.yml`)}`,
          `--storage.agent.path=${join(work.dir, `agent-${k}`)}`, `--web.listen-address=127.0.0.1:${nodePorts[k]}`],
        nodePorts[k]!,
      );

    const nodes: (Proc | undefined)[] = [];
    try {
      // Started side by side (each takes seconds to compile through tsx on a busy machine).
      const starting: Promise<Proc>[] = [];
      for (let k = 0; k < NODES; k++) {
        const config = join(work.dir, `node-${k}.yml`);
        // examples/sharding/node-k.yml with local targets, a 1s interval and a short send deadline.
        writeFileSync(
          config,
          [
            'global:',
            '  scrape_interval: 1s',
            'scrape_configs:',
            '  - job_name: node',
            '    static_configs:',
            `      - targets: [${addresses.map((a) => `'${a}'`).join(', ')}]`,
            '    relabel_configs:',
            '      - source_labels: [__address__]',
            `        modulus: ${NODES}`,
            '        target_label: __tmp_hash',
            '        action: hashmod',
            '      - source_labels: [__tmp_hash]',
            `        regex: ${k}`,
            '        action: keep',
            'remote_write:',
            `  - url: http://127.0.0.1:${upstreamPort}/api/v1/write`,
            '    queue_config:',
            '      batch_send_deadline: 500ms',
            '      max_backoff: 1s',
            '',
          ].join('\n'),
        );
        nodePorts[k] = await freePort();
        starting.push(startNode(k).then((n) => (nodes[k] = n)));
      }
      // Every start settles before a failure is thrown, so the finally below stops whatever started.
      const failed = (await Promise.allSettled(starting)).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;

      await new Promise((r) => setTimeout(r, 5_000));
      for (let k = 0; k < NODES; k++) {
        const body = (await (await fetch(`${nodes[k]!.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { labels: { instance: string }; health: string }[]; droppedTargets: unknown[] };
        };
        const active = body.data.activeTargets.map((t) => t.labels.instance).sort();
        expect(active, `node ${k}`).toEqual(expected[k]);
        expect(body.data.activeTargets.every((t) => t.health === 'up')).toBe(true);
        expect(body.data.droppedTargets).toHaveLength(TARGETS - expected[k]!.length);
        // Agent mode: no local queries.
        expect((await fetch(`${nodes[k]!.url}/api/v1/query?query=up`)).status).toBe(422);
      }

      // `up` arrives once per instance: ten series, each instance once.
      const series = (await (await fetch(`${upstream.url}/api/v1/series?match[]=up`)).json()) as { data: { instance: string }[] };
      expect(series.data.map((s) => s.instance).sort()).toEqual([...addresses].sort());

      // An upstream outage, with node 1 restarted in the middle of it: both keep scraping into
      // their WALs, and once the upstream is back they forward what it missed.
      await stop(upstream);
      upstream = undefined;
      await new Promise((r) => setTimeout(r, 2_000));
      await stop(nodes[1]!);
      nodes[1] = undefined;
      nodes[1] = await startNode(1);
      await new Promise((r) => setTimeout(r, 2_000));
      upstream = await startUpstream();
      await new Promise((r) => setTimeout(r, 6_000));
    } finally {
      // A clean stop flushes what the queues still hold.
      for (const n of nodes) if (n !== undefined) await stop(n);
      if (upstream !== undefined) await stop(upstream);
    }

    // Exactly the samples the agents logged, each once, and nothing else.
    const logged: string[] = [];
    for (let k = 0; k < NODES; k++) {
      const wal = readWal(join(work.dir, `agent-${k}`, 'wal'));
      for (const s of wal.samples) {
        const v = new DataView(Uint8Array.from(Buffer.from(s.bits, 'hex')).buffer).getFloat64(0);
        logged.push(`${formatLabels(wal.series.get(s.ref)!)} ${formatGoFloat(v)} ${s.t}`);
      }
      // Each node logged only its own targets' series.
      const instances = new Set([...wal.series.values()].map((ls) => ls.find((l) => l.name === 'instance')?.value));
      expect([...instances].sort()).toEqual(expected[k]);
    }
    const received = promtool(['tsdb', 'dump', upstreamData]).split('\n').filter((l) => l !== '');
    expect(received.length).toBeGreaterThan(TARGETS * 10);
    expect(received.sort()).toEqual(logged.sort());
  }, 150_000);
});
