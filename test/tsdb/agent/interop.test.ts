// The agent's WAL against the real Prometheus 2.42: promtool dumps what our agent wrote, a real
// Prometheus agent replays our agent's directory (checkpoint included), and our agent replays a
// directory a real Prometheus agent wrote.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../../src/format/index.js';
import { AgentDB, type ForwardProgress } from '../../../src/tsdb/agent/index.js';
import { listCheckpoints } from '../../../src/tsdb/wal/index.js';
import { exited, freePort } from '../../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../../helpers/promtool.js';
import { encodeLabels, encodeWriteRequest } from '../../helpers/rw-encode.js';
import { labels, readWal, tempDir } from './helpers.js';

const PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!PROMTOOL || !PROMETHEUS) console.warn(`${PROMTOOL_MISSING} (and the prometheus binary)`);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function dir(): string {
  const t = tempDir('promwasm-agent-interop-');
  cleanups.push(t.cleanup);
  return t.dir;
}

const MINUTE = 60_000;

interface PrometheusAgent {
  readonly url: string;
  readonly proc: ChildProcess;
  output(): string;
}

async function startPrometheusAgent(agentDir: string, configDir: string): Promise<PrometheusAgent> {
  const port = await freePort();
  const config = join(configDir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const proc = spawn(
    'prometheus',
    ['--enable-feature=agent', `--config.file=${config}`, `--storage.agent.path=${agentDir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`prometheus not ready: ${out}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, proc, output: () => out };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name}`);
  return Number(line.slice(name.length + 1));
}

async function stop(p: PrometheusAgent): Promise<void> {
  p.proc.kill('SIGTERM');
  await exited(p.proc);
}

describe.skipIf(!PROMTOOL || !PROMETHEUS)('agent WAL and Prometheus 2.42', () => {
  it('promtool dumps our agent WAL, and a real Prometheus agent replays it (checkpoint included)', async () => {
    const d = dir();
    let now = Date.now();
    const db = await AgentDB.open({ dir: d, walCompression: true, truncateFrequencyMs: 3_600_000, now: () => now });
    const sent: ForwardProgress = { lowestPendingSegment: () => Infinity, lowestSentTimestamp: () => now };
    db.setForwardProgress(sent);
    const series = Array.from({ length: 30 }, (_, i) => labels({ __name__: `interop_m${i % 3}`, i: String(i) }));
    for (let round = 0; round < 12; round++) {
      const app = db.appendable.appender();
      // Series 20..29 stop after round 3: collected once idle long enough.
      for (let i = 0; i < series.length; i++) if (i < 20 || round < 4) app.append(0, series[i]!, now, round + i / 10);
      await app.commit();
      await db.truncate();
      now += MINUTE;
    }
    expect(listCheckpoints(db.walDir).length).toBe(1);
    const active = db.series.size;
    expect(active).toBe(20);
    await db.close();

    // Every sample our WAL holds, as promtool prints it.
    const wal = readWal(join(d, 'wal'));
    const expected = wal.samples
      .map((s) => `${formatLabels(wal.series.get(s.ref)!)} ${formatGoFloat(new DataView(Uint8Array.from(Buffer.from(s.bits, 'hex')).buffer).getFloat64(0))} ${s.t}`)
      .sort();
    const dump = promtool(['tsdb', 'dump', d]).split('\n').filter((l) => l !== '').sort();
    expect(dump).toEqual(expected);
    expect(dump.length).toBeGreaterThan(100);

    // The real agent replays the same records: the same series count (2.42 keeps collected
    // series whose record the checkpoint still holds until its next GC), no corruption.
    const replayed = new Set(wal.series.keys()).size;
    const prom = await startPrometheusAgent(d, dir());
    try {
      expect(await metric(prom.url, 'prometheus_agent_active_series')).toBe(replayed);
      expect(await metric(prom.url, 'prometheus_agent_corruptions_total')).toBe(0);
      expect(prom.output()).not.toMatch(/level=(warn|error)/);
    } finally {
      await stop(prom);
    }
  }, 60_000);

  it('our agent replays a WAL a real Prometheus agent wrote from remote write', async () => {
    const d = dir();
    const prom = await startPrometheusAgent(d, dir());
    const sets = Array.from({ length: 10 }, (_, i) => labels({ __name__: 'from_prometheus', i: String(i) }));
    const encoded = sets.map(encodeLabels);
    const t0 = Date.now() - 10 * MINUTE;
    try {
      for (let r = 0; r < 3; r++) {
        const body = snappy.compressSync(Buffer.from(encodeWriteRequest(encoded, Float64Array.from(sets, (_, i) => r * 10 + i), t0 + r * 15_000)));
        const res = await fetch(`${prom.url}/api/v1/write`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
          body,
        });
        expect(res.status).toBe(204);
      }
    } finally {
      await stop(prom);
    }
    const db = await AgentDB.open({ dir: d, walCompression: true, truncateFrequencyMs: 3_600_000 });
    try {
      expect(db.series.size).toBe(10);
      for (const s of sets) expect(db.series.getByLabels(s)?.lastTs).toBe(t0 + 30_000);
      const app = db.appendable.appender();
      expect(() => app.append(0, sets[0]!, t0, 1)).toThrow('out of order sample');
      const ref = app.append(0, sets[0]!, t0 + 45_000, 1);
      expect(ref).toBe(db.series.getByLabels(sets[0]!)!.ref);
      const fresh = app.append(0, labels({ __name__: 'ours' }), t0 + 45_000, 1);
      expect(fresh).toBe(11); // refs continue after the ones Prometheus handed out
      await app.commit();
    } finally {
      await db.close();
    }
    const wal = readWal(join(d, 'wal'));
    expect(wal.samples.length).toBe(32);
  }, 60_000);
});
