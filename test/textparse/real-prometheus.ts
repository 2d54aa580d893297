// Lets a real Prometheus 2.42 scrape bodies we choose: each body is served by a local HTTP server under
// its own path and becomes its own job; after every target has been scraped, Prometheus is stopped and
// `promtool tsdb dump` shows what it stored. Used by the differential tests.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort } from '../helpers/cli.js';

export const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0 && spawnSync('promtool', ['--version']).status === 0;
export const PROMETHEUS_MISSING = 'prometheus/promtool are not on PATH: skipping the comparison with a real Prometheus 2.42 scrape';

export interface ServedBody {
  readonly body: Uint8Array;
  readonly contentType: string;
}

export interface ScrapeOutcome {
  readonly health: string;
  readonly lastError: string;
}

export interface RealScrape {
  /** Per body, in order. */
  readonly outcomes: readonly ScrapeOutcome[];
  /** `promtool tsdb dump` of everything stored. */
  readonly dump: string;
}

interface TargetsResponse {
  data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> };
}

/** Job name of body i. */
export function jobOf(i: number): string {
  return `case${i}`;
}

/** Serves the bodies, lets Prometheus scrape each once or more, stops it and dumps its storage. */
export async function scrapeWithPrometheus(bodies: readonly ServedBody[]): Promise<RealScrape> {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-textparse-'));
  const server = createServer((req, res) => {
    const i = Number(/^\/case\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    const b = bodies[i];
    if (!b) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': b.contentType }).end(Buffer.from(b.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const promPort = await freePort();
  // A generous timeout: a second scrape that times out on a loaded machine would add staleness markers.
  const config = ['global:', '  scrape_interval: 3s', '  scrape_timeout: 3s', 'scrape_configs:'];
  bodies.forEach((_, i) => config.push(`  - job_name: ${jobOf(i)}`, `    metrics_path: /case/${i}`, `    static_configs: [{ targets: ["${target}"] }]`));
  writeFileSync(join(dir, 'prometheus.yml'), config.join('\n') + '\n');
  const data = join(dir, 'data');
  const prom = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=error'],
    { stdio: 'ignore' },
  );
  try {
    const outcomes = new Map<string, ScrapeOutcome>();
    for (let waited = 0; waited < 60_000; waited += 500) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`).catch(() => undefined);
      if (!r?.ok) continue;
      const targets = ((await r.json()) as TargetsResponse).data.activeTargets;
      outcomes.clear();
      for (const t of targets) if (t.health !== 'unknown') outcomes.set(t.labels.job, { health: t.health, lastError: t.lastError });
      if (outcomes.size === bodies.length) break;
    }
    if (outcomes.size !== bodies.length) throw new Error(`Prometheus scraped ${outcomes.size} of ${bodies.length} targets`);
    prom.kill('SIGTERM');
    await exited(prom);
    const dump = spawnSync('promtool', ['tsdb', 'dump', data], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (dump.status !== 0) throw new Error(`promtool tsdb dump failed: ${dump.stderr}`);
    return { outcomes: bodies.map((_, i) => outcomes.get(jobOf(i))!), dump: dump.stdout };
  } finally {
    if (prom.exitCode === null) {
      prom.kill('SIGKILL');
      await exited(prom);
    }
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}
