// End to end: the real server takes a remote-written workload, then the real promtool 2.42 queries it
// (`promtool query instant|range|series|labels`) and prints exactly what the workload implies.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLabels } from '../../../src/format/labels.js';
import { goQuote } from '../../../src/format/go-quote.js';
import type { Labels } from '../../../src/model/labels.js';
import { goFixed } from '../../../src/web/api/json.js';
import { exited, startServer, type RunningServer } from '../../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool, promtoolResult } from '../../helpers/promtool.js';
import { INTERVAL_MS, makeWorkload, sendWorkload, type Workload } from './workload.js';

if (!PROMTOOL) console.warn(`${PROMTOOL_MISSING} (query API end to end)`);

const dir = mkdtempSync(join(tmpdir(), 'promwasm-api-e2e-'));
let server: RunningServer;
let w: Workload;
const sec = (ms: number): string => String(ms / 1000);

/** model.Metric's String(), as promtool prints a query result's series: `name{a="b", c="d"}`. */
function metricString(labels: Labels): string {
  const name = labels.find((l) => l.name === '__name__')?.value ?? '';
  const rest = labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${goQuote(l.value)}`);
  return rest.length === 0 ? name : `${name}{${rest.join(', ')}}`;
}

describe.skipIf(!PROMTOOL)('promtool query against promwasm', () => {
  beforeAll(async () => {
    server = await startServer(dir, ['--log.level=warn']);
    w = makeWorkload(Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS);
    await sendWorkload(`${server.url}/api/v1/write`, w);
  }, 120_000);

  afterAll(async () => {
    server?.proc.kill('SIGTERM');
    if (server) await exited(server.proc);
    rmSync(dir, { recursive: true, force: true });
  });

  const temperatures = () => w.series.filter((s) => s.labels.some((l) => l.value === 'temperature_celsius'));

  it('instant: every series with its newest value at the query time', () => {
    const out = promtool(['query', 'instant', server.url, 'temperature_celsius', `--time=${sec(w.end)}`]);
    const want = temperatures().map((s) => `${metricString(s.labels)} => ${goFixed(s.values[s.values.length - 1]!)} @[${sec(w.end)}]\n`);
    expect(out).toBe(want.join(''));
  });

  it('instant: a staleness marker ends the series; before it, the last value is seen', () => {
    expect(promtool(['query', 'instant', server.url, 'flaky', `--time=${sec(w.end)}`])).toBe('\n');
    const t = w.start + 119 * INTERVAL_MS + 10_000;
    expect(promtool(['query', 'instant', server.url, 'flaky', `--time=${sec(t)}`])).toBe(`flaky{instance="x"} => 119 @[${sec(t)}]\n`);
  });

  it('range: the sample at or before each step', () => {
    const start = w.start + 60 * INTERVAL_MS;
    const end = start + 10 * 60_000;
    const out = promtool(['query', 'range', `--start=${sec(start)}`, `--end=${sec(end)}`, '--step=1m', server.url, 'temperature_celsius{room="r2"}']);
    const s = temperatures()[1]!;
    let want = `${metricString(s.labels)} =>\n`;
    for (let t = start; t <= end; t += 60_000) want += `${goFixed(s.values[(t - w.start) / INTERVAL_MS]!)} @[${sec(t)}]\n`;
    expect(out).toBe(want);
  });

  it('series and labels', () => {
    expect(promtool(['query', 'series', server.url, '--match=temperature_celsius'])).toBe(temperatures().map((s) => formatLabels(s.labels) + '\n').join(''));
    expect(promtool(['query', 'labels', server.url, '__name__'])).toBe('flaky\nhttp_requests_total\nrequest_duration_seconds_bucket\ntemperature_celsius\n');
    expect(promtool(['query', 'labels', server.url, 'le', '--match=request_duration_seconds_bucket{job="api"}'])).toBe('+Inf\n0.1\n0.5\n1\n');
  });

  it('errors reach promtool as Prometheus words them', () => {
    const bad = promtoolResult(['query', 'instant', server.url, 'sum(']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^query error: bad_data: invalid parameter "query": 1:\d+: parse error: /);
    const tooMany = promtoolResult(['query', 'range', '--start=0', '--end=100000', '--step=1s', server.url, 'up']);
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  });
});
