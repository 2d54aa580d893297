// promwasm as a process scraping a local target: /api/v1/targets shows it up, and after a clean
// stop `promwasm tsdb dump` shows the scraped series and the report series.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, runCli, startServer } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'promwasm-scrape-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('promwasm scrapes its configured targets', () => {
  it('stores the samples and up, and lists the target', async () => {
    const target = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('# TYPE e2e_requests_total counter\ne2e_requests_total{code="200"} 42\n');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `scrape_configs:\n  - job_name: e2e\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${address}']\n        labels: {env: test}\n      - targets: ['drop.me:80']\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: drop.*\n        action: drop\n`,
    );
    const data = join(dir, 'data');
    const server = await startServer(data, [`--config.file=${config}`]);
    try {
      await new Promise((r) => setTimeout(r, 3_500));
      const body = (await (await fetch(`${server.url}/api/v1/targets`)).json()) as {
        status: string;
        data: { activeTargets: Record<string, unknown>[]; droppedTargets: Record<string, unknown>[] };
      };
      expect(body.status).toBe('success');
      expect(body.data.activeTargets).toHaveLength(1);
      const active = body.data.activeTargets[0]!;
      expect(active).toMatchObject({
        labels: { env: 'test', instance: address, job: 'e2e' },
        scrapePool: 'e2e',
        scrapeUrl: `http://${address}/metrics`,
        health: 'up',
        lastError: '',
        scrapeInterval: '1s',
        scrapeTimeout: '1s',
      });
      expect(active.discoveredLabels).toMatchObject({ __address__: address, env: 'test', job: 'e2e' });
      expect(body.data.droppedTargets).toEqual([{ discoveredLabels: expect.objectContaining({ __address__: 'drop.me:80' }) }]);
    } finally {
      server.proc.kill('SIGTERM');
      await exited(server.proc);
      await new Promise<void>((r) => target.close(() => r()));
    }
    const dump = runCli(['tsdb', 'dump', data]);
    expect(dump.status, dump.stderr).toBe(0);
    const lines = dump.stdout.split('\n');
    const requests = lines.filter((l) => l.startsWith(`{__name__="e2e_requests_total", code="200", env="test", instance="${address}", job="e2e"} 42 `));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.startsWith(`{__name__="up", env="test", instance="${address}", job="e2e"} 1 `)).length).toBe(requests.length);
    expect(dump.stdout).toContain('{__name__="scrape_samples_scraped", env="test"');
  }, 40_000);
});
