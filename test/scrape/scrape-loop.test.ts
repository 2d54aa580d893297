import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { labelsFromRecord } from '../../src/model/labels.js';
import { newRelabelConfig } from '../../src/relabel/index.js';
import { populateTargetLabels } from '../../src/relabel/target.js';
import { ScrapeLoop, type ScrapeLoopOptions } from '../../src/scrape/scrape-loop.js';
import { HttpScraper, SCRAPE_ACCEPT_HEADER } from '../../src/scrape/scraper.js';
import { Target } from '../../src/scrape/target.js';
import { floatBits, MemoryStorage } from './memory-storage.js';

const STALE_BITS = 0x7ff0000000000002n;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: Handler): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function makeTarget(address: string, intervalMs = 15_000, timeoutMs = 10_000): Target {
  const { labels, discoveredLabels } = populateTargetLabels(labelsFromRecord({ __address__: address }), {
    jobName: 'test',
    scrapeIntervalMs: intervalMs,
    scrapeTimeoutMs: timeoutMs,
    metricsPath: '/metrics',
    scheme: 'http',
    params: {},
    relabelConfigs: [],
  });
  return new Target(labels, discoveredLabels, {});
}

function makeLoop(target: Target, storage: MemoryStorage, over: Partial<ScrapeLoopOptions> & { bodySizeLimit?: number } = {}): ScrapeLoop {
  return new ScrapeLoop({
    target,
    scraper: new HttpScraper(target.url, { timeoutMs: target.timeoutMs, bodySizeLimit: over.bodySizeLimit ?? 0 }),
    appendable: storage,
    honorLabels: false,
    honorTimestamps: true,
    sampleLimit: 0,
    labelLimits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0 },
    metricRelabelConfigs: [],
    ...over,
  });
}

const text = (body: string, contentType = 'text/plain; version=0.0.4'): Handler => (_req, res) => {
  res.writeHead(200, { 'Content-Type': contentType });
  res.end(body);
};

describe('scrape loop', () => {
  it('stores the samples with target labels and the report series, sending Prometheus headers', async () => {
    let headers: IncomingMessage['headers'] = {};
    const address = await serve((req, res) => {
      headers = req.headers;
      text('# TYPE a counter\na_total{x="1"} 3\nb 4.5\n')(req, res);
    });
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    const loop = makeLoop(target, storage);
    await loop.scrapeAndReport(1_000);
    expect(headers.accept).toBe(SCRAPE_ACCEPT_HEADER);
    expect(headers['accept-encoding']).toBe('gzip');
    expect(headers['user-agent']).toBe('Prometheus/2.42.0');
    expect(headers['x-prometheus-scrape-timeout-seconds']).toBe('10');

    const tl = { instance: address, job: 'test' };
    expect(storage.values('a_total', { x: '1', ...tl })).toEqual([3]);
    expect(storage.samples({ __name__: 'b', ...tl })).toEqual([{ t: 1_000, bits: floatBits(4.5) }]);
    expect(storage.values('up', tl)).toEqual([1]);
    expect(storage.values('scrape_samples_scraped', tl)).toEqual([2]);
    expect(storage.values('scrape_samples_post_metric_relabeling', tl)).toEqual([2]);
    expect(storage.values('scrape_series_added', tl)).toEqual([2]);
    expect(storage.values('scrape_duration_seconds', tl)[0]).toBeGreaterThan(0);
    expect(storage.commits).toBe(1);
    expect(target.health).toBe('up');
    expect(target.lastScrapeMs).toBe(1_000);

    await loop.scrapeAndReport(2_000);
    expect(storage.values('scrape_series_added', tl)).toEqual([2, 0]);
  });

  it('writes the stale marker 0x7ff0000000000002 for a series that vanished, bit for bit', async () => {
    let body = 'keep 1\ngone 2\nexplicit 3 500\n';
    const address = await serve((req, res) => text(body)(req, res));
    const storage = new MemoryStorage();
    const loop = makeLoop(makeTarget(address), storage);
    await loop.scrapeAndReport(1_000);
    body = 'keep 1\n';
    await loop.scrapeAndReport(2_000);
    const tl = { instance: address, job: 'test' };
    expect(storage.samples({ __name__: 'gone', ...tl })).toEqual([
      { t: 1_000, bits: floatBits(2) },
      { t: 2_000, bits: STALE_BITS },
    ]);
    // A series with an honored timestamp is not tracked for staleness.
    expect(storage.samples({ __name__: 'explicit', ...tl })).toEqual([{ t: 500, bits: floatBits(3) }]);
    expect(storage.values('keep', tl)).toEqual([1, 1]);
    await loop.scrapeAndReport(3_000);
    expect(storage.samples({ __name__: 'gone', ...tl })).toHaveLength(2); // marked once only
  });

  it('gunzips gzip bodies and parses OpenMetrics by Content-Type', async () => {
    const address = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0', 'Content-Encoding': 'gzip' });
      res.end(gzipSync('# TYPE c counter\nc_total 7\n# EOF\n'));
    });
    const storage = new MemoryStorage();
    await makeLoop(makeTarget(address), storage).scrapeAndReport(1_000);
    expect(storage.values('c_total', { instance: address, job: 'test' })).toEqual([7]);
    expect(storage.values('up', { instance: address, job: 'test' })).toEqual([1]);
  });

  it('fails a scrape at the timeout when the server never answers', async () => {
    const address = await serve(() => {});
    const storage = new MemoryStorage();
    const target = makeTarget(address, 1_000, 300);
    await makeLoop(target, storage).scrapeAndReport(1_000);
    const tl = { instance: address, job: 'test' };
    expect(storage.values('up', tl)).toEqual([0]);
    const duration = storage.values('scrape_duration_seconds', tl)[0]!;
    expect(duration).toBeGreaterThanOrEqual(0.29);
    expect(target.lastError).toBe(`Get "http://${address}/metrics": context deadline exceeded`);
  });

  it('fails a scrape whose body passes the size limit, and one with another status than 200', async () => {
    let status = 200;
    const address = await serve((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end('a 1\nb 2\nc 3\n');
    });
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    await makeLoop(target, storage, { bodySizeLimit: 8 }).scrapeAndReport(1_000);
    expect(target.lastError).toBe('body size limit exceeded');
    expect(storage.names()).toEqual(['scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up']);
    status = 204;
    await makeLoop(target, storage).scrapeAndReport(2_000);
    expect(target.lastError).toBe('server returned HTTP status 204 No Content');
    expect(storage.values('up', { instance: address, job: 'test' })).toEqual([0, 0]);
  });

  it('fails a scrape over the sample limit but counts every sample scraped', async () => {
    const address = await serve(text('a 1\nb 2\nc 3\n'));
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    await makeLoop(target, storage, { sampleLimit: 2 }).scrapeAndReport(1_000);
    const tl = { instance: address, job: 'test' };
    expect(target.lastError).toBe('sample limit exceeded');
    expect(storage.values('up', tl)).toEqual([0]);
    expect(storage.values('scrape_samples_scraped', tl)).toEqual([3]);
    expect(storage.values('scrape_samples_post_metric_relabeling', tl)).toEqual([0]);
    expect(storage.values('a', tl)).toEqual([]);
  });

  it('fails a scrape over a label limit', async () => {
    const address = await serve(text('a{x="1",y="2"} 1\n'));
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    await makeLoop(target, storage, { labelLimits: { labelLimit: 3, labelNameLengthLimit: 0, labelValueLengthLimit: 0 } }).scrapeAndReport(1_000);
    expect(target.lastError).toBe('label_limit exceeded (metric: a, number of labels: 5, limit: 3)');
    expect(storage.values('a', { x: '1', y: '2', instance: address, job: 'test' })).toEqual([]);
  });

  it('stores nothing of a malformed body, marks the previous scrape stale, and reports up=0', async () => {
    let body = 'a 1\nb 2\n';
    const address = await serve((req, res) => text(body)(req, res));
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    const loop = makeLoop(target, storage);
    await loop.scrapeAndReport(1_000);
    body = 'a 5\nc 6\nbad{ 3\n';
    await loop.scrapeAndReport(2_000);
    const tl = { instance: address, job: 'test' };
    expect(storage.samples({ __name__: 'a', ...tl })).toEqual([{ t: 1_000, bits: floatBits(1) }, { t: 2_000, bits: STALE_BITS }]);
    expect(storage.samples({ __name__: 'b', ...tl })).toEqual([{ t: 1_000, bits: floatBits(2) }, { t: 2_000, bits: STALE_BITS }]);
    expect(storage.values('c', tl)).toEqual([]);
    expect(storage.values('up', tl)).toEqual([1, 0]);
    expect(storage.values('scrape_samples_scraped', tl)).toEqual([2, 2]);
    expect(target.health).toBe('down');
    expect(target.lastError).not.toBe('');
  });

  it('renames conflicting exposed labels with exported_, or keeps them with honor_labels', async () => {
    const address = await serve(text('m{job="x",instance="y",exported_job="z"} 1\n'));
    const target = makeTarget(address);
    const plain = new MemoryStorage();
    await makeLoop(target, plain).scrapeAndReport(1_000);
    expect(plain.values('m', { job: 'test', exported_job: 'z', exported_exported_job: 'x', instance: address, exported_instance: 'y' })).toEqual([1]);
    const honored = new MemoryStorage();
    await makeLoop(target, honored, { honorLabels: true }).scrapeAndReport(1_000);
    expect(honored.values('m', { job: 'x', instance: 'y', exported_job: 'z' })).toEqual([1]);
  });

  it('applies metric_relabel_configs and ignores exposed timestamps without honor_timestamps', async () => {
    const address = await serve(text('keep_me 1 123\ndrop_me 2\n'));
    const storage = new MemoryStorage();
    const target = makeTarget(address);
    const drop = newRelabelConfig({ source_labels: ['__name__'], regex: 'drop_.*', action: 'drop' });
    await makeLoop(target, storage, { metricRelabelConfigs: [drop], honorTimestamps: false }).scrapeAndReport(1_000);
    const tl = { instance: address, job: 'test' };
    expect(storage.samples({ __name__: 'keep_me', ...tl })).toEqual([{ t: 1_000, bits: floatBits(1) }]);
    expect(storage.values('drop_me', tl)).toEqual([]);
    expect(storage.values('scrape_samples_scraped', tl)).toEqual([2]);
    expect(storage.values('scrape_samples_post_metric_relabeling', tl)).toEqual([1]);
  });

  it('runs on its interval and, stopped with staleness, marks every series and the report series', async () => {
    const address = await serve(text('a 1\n'));
    const storage = new MemoryStorage();
    const target = makeTarget(address, 250, 200);
    const loop = makeLoop(target, storage);
    loop.start();
    await new Promise((r) => setTimeout(r, 900));
    await loop.stop({ markStale: true });
    const tl = { instance: address, job: 'test' };
    const up = storage.samples({ __name__: 'up', ...tl });
    expect(up.length).toBeGreaterThanOrEqual(3);
    expect(up.at(-1)!.bits).toBe(STALE_BITS);
    for (let i = 1; i < up.length - 1; i++) expect(up[i]!.t - up[i - 1]!.t).toBe(250);
    expect(storage.samples({ __name__: 'a', ...tl }).at(-1)!.bits).toBe(STALE_BITS);
    expect(storage.samples({ __name__: 'scrape_series_added', ...tl }).at(-1)!.bits).toBe(STALE_BITS);
  });
});
