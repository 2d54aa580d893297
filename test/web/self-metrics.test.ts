import { afterEach, describe, expect, it } from 'vitest';
import type { DBStats } from '../../src/server/storage-seam.js';
import { Readiness } from '../../src/web/health.js';
import { SelfMetrics } from '../../src/web/self-metrics.js';
import { sampleValue, testApp, type TestApp } from './helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

async function scrape(app: TestApp['app']): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.body;
}

describe('/metrics', () => {
  it('exposes the Prometheus-named server metrics', async () => {
    t = testApp();
    const body = await scrape(t.app);
    for (const name of [
      'prometheus_build_info',
      'prometheus_ready',
      'prometheus_config_last_reload_successful',
      'prometheus_config_last_reload_success_timestamp_seconds',
      'prometheus_http_requests_total',
      'prometheus_http_request_duration_seconds',
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect(body).toContain('# TYPE prometheus_http_requests_total counter');
    expect(body).toContain('# TYPE prometheus_http_request_duration_seconds histogram');
    expect(body).toContain(
      `prometheus_build_info{branch="main",goarch="${process.arch === 'x64' ? 'amd64' : process.arch}",goos="${process.platform}",goversion="${process.version}",revision="abc",version="9.9.9"} 1`,
    );
  });

  it('includes process and Node.js metrics by default', async () => {
    const selfMetrics = new SelfMetrics({ build: { version: '1', revision: 'r', branch: 'b' }, readiness: new Readiness() });
    const body = await selfMetrics.registry.metrics();
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });

  it('follows readiness in prometheus_ready', async () => {
    t = testApp();
    expect(sampleValue(await scrape(t.app), 'prometheus_ready')).toBe(0);
    t.readiness.set(true);
    expect(sampleValue(await scrape(t.app), 'prometheus_ready')).toBe(1);
  });

  it('counts requests per route pattern and status code, with latencies per route', async () => {
    t = testApp();
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'GET', url: '/-/healthy' });
    await t.app.inject({ method: 'GET', url: '/-/ready' });
    t.readiness.set(true);
    await t.app.inject({ method: 'GET', url: '/-/ready' });
    await t.app.inject({ method: 'GET', url: '/-/ready' });
    await t.app.inject({ method: 'GET', url: '/no/such/route' });

    const body = await scrape(t.app);
    expect(sampleValue(body, 'prometheus_http_requests_total{code="200",handler="/-/healthy"}')).toBe(3);
    expect(sampleValue(body, 'prometheus_http_requests_total{code="503",handler="/-/ready"}')).toBe(1);
    expect(sampleValue(body, 'prometheus_http_requests_total{code="200",handler="/-/ready"}')).toBe(2);
    expect(sampleValue(body, 'prometheus_http_request_duration_seconds_count{handler="/-/ready"}')).toBe(3);
    expect(sampleValue(body, 'prometheus_http_request_duration_seconds_bucket{le="0.1",handler="/-/healthy"}')).toBe(3);
    expect(body).not.toContain('/no/such/route');

    // The scrape that produced `body` is counted once it has been answered.
    const next = await scrape(t.app);
    expect(sampleValue(next, 'prometheus_http_requests_total{code="200",handler="/metrics"}')).toBe(1);
  });

  it('records configuration reloads', async () => {
    t = testApp();
    t.selfMetrics.configLoaded(true, 1_700_000_000_000);
    let body = await scrape(t.app);
    expect(sampleValue(body, 'prometheus_config_last_reload_successful')).toBe(1);
    expect(sampleValue(body, 'prometheus_config_last_reload_success_timestamp_seconds')).toBe(1_700_000_000);
    t.selfMetrics.configLoaded(false, 1_800_000_000_000);
    body = await scrape(t.app);
    expect(sampleValue(body, 'prometheus_config_last_reload_successful')).toBe(0);
    expect(sampleValue(body, 'prometheus_config_last_reload_success_timestamp_seconds')).toBe(1_700_000_000);
  });
});

describe('storage metrics', () => {
  it('appear once the storage is attached and are read from stats() at every scrape', async () => {
    t = testApp();
    expect(await scrape(t.app)).not.toContain('prometheus_tsdb_head_series');

    let stats: DBStats = { numSeries: 0, minTime: 2 ** 63, maxTime: -(2 ** 63), numChunks: 0, samplesAppended: 0 };
    let reads = 0;
    t.selfMetrics.attachStorage(() => {
      reads++;
      return stats;
    });
    let body = await scrape(t.app);
    expect(body).toContain('# TYPE prometheus_tsdb_head_samples_appended_total counter');
    expect(body).toContain('# TYPE prometheus_tsdb_head_series gauge');
    expect(sampleValue(body, 'prometheus_tsdb_head_series')).toBe(0);
    expect(sampleValue(body, 'prometheus_tsdb_head_min_time')).toBe(2 ** 63);
    expect(sampleValue(body, 'prometheus_tsdb_head_max_time')).toBe(-(2 ** 63));
    expect(sampleValue(body, 'prometheus_tsdb_head_samples_appended_total{type="float"}')).toBe(0);

    stats = { numSeries: 12, minTime: 1_000, maxTime: 61_500, numChunks: 13, samplesAppended: 1234 };
    body = await scrape(t.app);
    expect(sampleValue(body, 'prometheus_tsdb_head_series')).toBe(12);
    expect(sampleValue(body, 'prometheus_tsdb_head_chunks')).toBe(13);
    expect(sampleValue(body, 'prometheus_tsdb_head_min_time')).toBe(1000);
    expect(sampleValue(body, 'prometheus_tsdb_head_max_time')).toBe(61_500);
    expect(sampleValue(body, 'prometheus_tsdb_head_min_time_seconds')).toBe(1);
    expect(sampleValue(body, 'prometheus_tsdb_head_max_time_seconds')).toBe(61.5);
    expect(sampleValue(body, 'prometheus_tsdb_head_samples_appended_total{type="float"}')).toBe(1234);
    expect(reads).toBeGreaterThan(0);
  });

  it('leave out what the engine does not report, and export the optional counters it does', async () => {
    t = testApp();
    t.selfMetrics.attachStorage(() => ({
      numSeries: 1,
      minTime: 0,
      maxTime: 0,
      numChunks: 1,
      samplesAppended: 1,
      walSegmentCurrent: 7,
      walCorruptions: 0,
      outOfOrderSamples: 5,
    }));
    const body = await scrape(t.app);
    expect(sampleValue(body, 'prometheus_tsdb_wal_segment_current')).toBe(7);
    expect(sampleValue(body, 'prometheus_tsdb_wal_corruptions_total')).toBe(0);
    expect(sampleValue(body, 'prometheus_tsdb_out_of_order_samples_total{type="float"}')).toBe(5);
    expect(body).not.toContain('prometheus_tsdb_wal_truncations_total');
    expect(body).not.toContain('prometheus_tsdb_head_series_created_total');
  });

  it('can be attached only once', () => {
    const selfMetrics = new SelfMetrics({ build: { version: '1', revision: 'r', branch: 'b' }, readiness: new Readiness(), defaultMetrics: false });
    const stats = () => ({ numSeries: 0, minTime: 0, maxTime: 0, numChunks: 0, samplesAppended: 0 });
    selfMetrics.attachStorage(stats);
    expect(() => selfMetrics.attachStorage(stats)).toThrow('storage metrics are already registered');
  });
});
