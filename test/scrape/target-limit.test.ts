// target_limit as Prometheus 2.42 enforces it: a pool with more targets than the limit fails every
// target's scrapes with "target_limit exceeded (...)" (no request is made, up=0, the series of the
// last good scrape go stale) until targets go away; the pool metrics say so on /metrics.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ScrapeManager } from '../../src/scrape/manager.js';
import { registerScrapePoolMetrics } from '../../src/scrape/metrics.js';
import { MemoryStorage } from './memory-storage.js';

const STALE_BITS = 0x7ff0000000000002n;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A target counting the requests it is sent. */
async function target(body: string): Promise<{ address: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  for (let waited = 0; !cond(); waited += 25) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('target_limit', () => {
  it('fails every target of a pool over its limit, stales their series, and resumes below it', async () => {
    const targets = [await target('m 1\n'), await target('m 2\n'), await target('m 3\n')];
    const [a, b, c] = targets.map((t) => t.address) as [string, string, string];
    const dir = mkdtempSync(join(tmpdir(), 'promwasm-tl-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify([{ targets: [a, b] }]));
    const yaml = `scrape_configs:\n  - job_name: f\n    scrape_interval: 200ms\n    scrape_timeout: 150ms\n    target_limit: 2\n    file_sd_configs: [{files: ['${file}']}]\n`;
    const storage = new MemoryStorage();
    const manager = new ScrapeManager(storage);
    const registry = new Registry();
    registerScrapePoolMetrics(registry, manager.metrics);
    cleanups.push(() => manager.stop());
    await manager.applyConfig(parseConfig(yaml, 'inline').prometheus);

    const m = (instance: string) => storage.samples({ __name__: 'm', instance, job: 'f' });
    const up = (instance: string) => storage.samples({ __name__: 'up', instance, job: 'f' });
    await until('both targets scraped', () => m(a).length > 0 && m(b).length > 0);
    expect(await registry.getSingleMetricAsString('prometheus_target_scrape_pool_exceeded_target_limit_total')).toMatch(/ 0$/m);

    // A third target: the pool is over its limit.
    writeFileSync(file, JSON.stringify([{ targets: [a, b, c] }]));
    const pool = manager.scrapePools()[0]!;
    await until('every target failing', () => pool.activeTargets().length === 3 && pool.activeTargets().every((t) => t.health === 'down'));
    const message = 'target_limit exceeded (number of targets: 3, limit: 2)';
    expect(pool.activeTargets().map((t) => t.lastError)).toEqual([message, message, message]);
    await sleep(300);
    expect(targets[2]!.requests()).toBe(0); // no request while over the limit
    const requestsSoFar = targets[0]!.requests();
    await sleep(450);
    expect(targets[0]!.requests()).toBe(requestsSoFar);
    for (const t of [a, b]) expect(m(t).at(-1)!.bits).toBe(STALE_BITS); // the last good scrape's series went stale
    expect(m(c)).toEqual([]);
    for (const t of [a, b, c]) expect(Number(BigInt.asUintN(64, up(t).at(-1)!.bits))).toBe(0); // up=0 (bits of +0)

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^prometheus_target_scrape_pool_exceeded_target_limit_total [1-9]\d*$/m);
    expect(metrics).toContain('prometheus_target_scrape_pool_target_limit{scrape_job="f"} 2');
    expect(metrics).toContain('prometheus_target_scrape_pool_targets{scrape_job="f"} 3');

    // Back within the limit: the remaining targets scrape again.
    writeFileSync(file, JSON.stringify([{ targets: [a, c] }]));
    await until('scrapes resume', () => m(c).length > 0 && pool.activeTargets().every((t) => t.health === 'up'));
    expect(pool.activeTargets().map((t) => t.lastError)).toEqual(['', '']);
    expect(await registry.metrics()).toContain('prometheus_target_scrape_pool_targets{scrape_job="f"} 2');
  });

  it('is not applied when 0 (the default)', async () => {
    const targets = [await target('m 1\n'), await target('m 2\n'), await target('m 3\n')];
    const list = targets.map((t) => `'${t.address}'`).join(', ');
    const yaml = `scrape_configs:\n  - job_name: s\n    scrape_interval: 200ms\n    scrape_timeout: 150ms\n    static_configs: [{targets: [${list}]}]\n`;
    const manager = new ScrapeManager(new MemoryStorage());
    cleanups.push(() => manager.stop());
    await manager.applyConfig(parseConfig(yaml, 'inline').prometheus);
    const pool = manager.scrapePools()[0]!;
    await until('every target up', () => pool.activeTargets().length === 3 && pool.activeTargets().every((t) => t.health === 'up'));
  });
});
