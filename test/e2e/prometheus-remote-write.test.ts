// A real Prometheus 2.42 configured with remote_write to promwasm: it scrapes itself and keeps
// promwasm fed without a failed or dropped sample; every sample it sent is stored exactly as
// Prometheus stored it locally.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, freePort, runCli, startServer } from '../helpers/cli.js';
import { PROMTOOL } from '../helpers/promtool.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus is not on PATH: skipping the remote_write test against the real Prometheus 2.42');

const dir = mkdtempSync(join(tmpdir(), 'promwasm-prom-rw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A metric of Prometheus's /metrics text, summed over its label sets. */
function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** dump lines grouped per series: label text -> lines. */
function bySeries(dump: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of dump.split('\n')) {
    if (!line) continue;
    const cut = line.indexOf('} ') + 1;
    const key = line.slice(0, cut);
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(line.slice(cut + 1));
  }
  return out;
}

describe.skipIf(!HAS_PROMETHEUS || !PROMTOOL)('real Prometheus remote-writing to promwasm', () => {
  it('sends everything without failures, and promwasm stores what Prometheus stored', async () => {
    const promwasm = await startServer(join(dir, 'promwasm'), ['--log.level=warn']);
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: prometheus',
        `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
        'remote_write:',
        `  - url: ${promwasm.url}/api/v1/write`,
        '    queue_config: { batch_send_deadline: 200ms, max_samples_per_send: 500 }',
        '',
      ].join('\n'),
    );
    const promData = join(dir, 'prometheus');
    const prom = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${promData}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    try {
      // Prometheus waits a few seconds before its first scrape; let it send a few thousand samples.
      let self = '';
      for (let waited = 0; waited < 40_000 && metric(self, 'prometheus_remote_storage_samples_total') < 3000; waited += 1000) {
        await new Promise((r) => setTimeout(r, 1000));
        self = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
      }
      expect(metric(self, 'prometheus_remote_storage_samples_total')).toBeGreaterThanOrEqual(3000);
      expect(metric(self, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
      expect(metric(self, 'prometheus_remote_storage_samples_dropped_total')).toBe(0);
      expect(metric(self, 'prometheus_remote_storage_samples_retried_total')).toBe(0);
    } finally {
      prom.kill('SIGTERM');
      await exited(prom);
    }
    promwasm.proc.kill('SIGTERM');
    expect(await exited(promwasm.proc)).toBe(0);

    const ours = runCli(['tsdb', 'dump', join(dir, 'promwasm')]);
    expect(ours.status, ours.stderr).toBe(0);
    const theirs = spawnSync('promtool', ['tsdb', 'dump', promData], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(theirs.status, theirs.stderr).toBe(0);

    // Prometheus may stop before its last scrapes are sent; everything sent must match its own copy.
    const local = bySeries(theirs.stdout);
    const received = bySeries(ours.stdout);
    expect(received.size).toBeGreaterThan(100);
    let samples = 0;
    for (const [series, lines] of received) {
      const want = local.get(series);
      expect(want, series).toBeDefined();
      for (const l of lines) expect(want!.has(l), `${series} ${l}`).toBe(true);
      samples += lines.size;
    }
    expect(samples).toBeGreaterThan(1000);
  }, 90_000);
});
