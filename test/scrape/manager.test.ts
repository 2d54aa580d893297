import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ScrapeManager } from '../../src/scrape/manager.js';
import { targetsPlugin } from '../../src/web/targets.js';
import { MemoryStorage } from './memory-storage.js';

const STALE_BITS = 0x7ff0000000000002n;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function target(body: string): Promise<string> {
  const server: Server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scrape manager', () => {
  it('follows file SD: new targets start, removed ones get stale markers; unchanged jobs survive a reload', async () => {
    const [a, b] = [await target('m 1\n'), await target('m 2\n')];
    const dir = mkdtempSync(join(tmpdir(), 'promwasm-mgr-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify([{ targets: [a, b] }]));
    const yaml = `scrape_configs:\n  - job_name: f\n    scrape_interval: 200ms\n    scrape_timeout: 150ms\n    file_sd_configs: [{files: ['${file}']}]\n`;
    const storage = new MemoryStorage();
    const manager = new ScrapeManager(storage);
    cleanups.push(() => manager.stop());
    await manager.applyConfig(parseConfig(yaml, 'inline').prometheus);
    await sleep(500);
    const pool = manager.scrapePools()[0]!;
    expect(pool.activeTargets().map((t) => t.publicLabels.find((l) => l.name === 'instance')!.value).sort()).toEqual([a, b].sort());

    const app = Fastify();
    await app.register(targetsPlugin, { prefix: '/api/v1', manager: () => manager, external: { scheme: 'http', host: 'example:9090' }, listenPort: () => '9090' });
    const res = (await app.inject({ url: '/api/v1/targets?state=active' })).json();
    expect(res.data.droppedTargets).toBeUndefined();
    expect(res.data.activeTargets[0]).toMatchObject({ health: 'up', scrapePool: 'f', scrapeInterval: '200ms', scrapeTimeout: '150ms' });
    expect(res.data.activeTargets[0].globalUrl).toMatch(/^http:\/\/example:\d+\/metrics$/);
    expect(res.data.activeTargets[0].discoveredLabels.__meta_filepath).toBe(file);

    await manager.applyConfig(parseConfig(yaml, 'inline').prometheus);
    expect(manager.scrapePools()[0]).toBe(pool); // unchanged: same pool, loops kept

    writeFileSync(file, JSON.stringify([{ targets: [a] }]));
    // The watch fires, the loop stops, then waits two ticks plus a tenth of the interval.
    const marked = () => storage.samples({ __name__: 'up', instance: b, job: 'f' }).at(-1)?.bits === STALE_BITS;
    for (let waited = 0; !marked() && waited < 5_000; waited += 50) await sleep(50);
    expect(pool.activeTargets()).toHaveLength(1);
    const gone = storage.samples({ __name__: 'm', instance: b, job: 'f' });
    expect(gone.at(-1)!.bits).toBe(STALE_BITS);
    expect(storage.samples({ __name__: 'up', instance: b, job: 'f' }).at(-1)!.bits).toBe(STALE_BITS);
    expect(storage.samples({ __name__: 'm', instance: a, job: 'f' }).at(-1)!.bits).not.toBe(STALE_BITS);

    await manager.applyConfig(parseConfig('scrape_configs: []\n', 'inline').prometheus);
    expect(manager.scrapePools()).toHaveLength(0);
  });
});
