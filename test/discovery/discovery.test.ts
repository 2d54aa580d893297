import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDiscoverer, readTargetFile } from '../../src/discovery/file.js';
import { fetchTargetGroups, HttpDiscoverer } from '../../src/discovery/http.js';
import { decodeTargetGroups, TargetGroupError } from '../../src/discovery/target-group.js';
import type { HttpClientConfig } from '../../src/config/types.js';
import { parseConfig } from '../../src/config/index.js';
import type { TargetGroup } from '../../src/relabel/target.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-sd-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves with the first update satisfying `pred`. */
function waitFor(start: (update: (g: readonly TargetGroup[]) => void) => void, pred: (g: readonly TargetGroup[]) => boolean): Promise<readonly TargetGroup[]> {
  return new Promise((resolve) => start((g) => pred(g) && resolve(g)));
}

const defaultHttpClient = (): HttpClientConfig => {
  const cfg = parseConfig('scrape_configs: [{job_name: x}]\n', 'inline').prometheus.scrapeConfigs[0]!;
  return cfg.httpClient;
};

describe('target groups', () => {
  it('decodes groups with sources and extra labels, and refuses bad ones', () => {
    const groups = decodeTargetGroups([{ targets: ['a:1', 'b:2'], labels: { env: 'prod' } }, {}], (i) => `f:${i}`, [{ name: '__meta_x', value: 'y' }]);
    expect(groups).toEqual([
      { targets: [[{ name: '__address__', value: 'a:1' }], [{ name: '__address__', value: 'b:2' }]], labels: [{ name: '__meta_x', value: 'y' }, { name: 'env', value: 'prod' }], source: 'f:0' },
      { targets: [], labels: [{ name: '__meta_x', value: 'y' }], source: 'f:1' },
    ]);
    expect(() => decodeTargetGroups([{ labels: { 'bad-name': 'x' } }], String, [])).toThrow('"bad-name" is not a valid label name');
    expect(() => decodeTargetGroups([null], String, [])).toThrow('nil target group item found');
    expect(() => decodeTargetGroups({}, String, [])).toThrow(TargetGroupError);
    expect(() => decodeTargetGroups([{ targets: [1] }], String, [])).toThrow(TargetGroupError);
  });
});

describe('file SD', () => {
  it('reads JSON and YAML files with __meta_filepath', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify([{ targets: ['h:1'], labels: { x: '1' } }]));
    writeFileSync(join(dir, 'b.yml'), '- targets: [h:2]\n  labels: {y: "2"}\n');
    expect(readTargetFile(join(dir, 'a.json'))[0]).toMatchObject({ source: `${join(dir, 'a.json')}:0`, labels: [{ name: '__meta_filepath', value: join(dir, 'a.json') }, { name: 'x', value: '1' }] });
    expect(readTargetFile(join(dir, 'b.yml'))[0]!.targets).toEqual([[{ name: '__address__', value: 'h:2' }]]);
  });

  it('watches: a changed file is re-read, a broken one keeps its groups, a new one is found', async () => {
    const dir = tempDir();
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ targets: ['h:1'] }]));
    const d = new FileDiscoverer({ files: [join(dir, '*.json')], refreshIntervalMs: 60_000 });
    cleanups.push(() => d.stop());
    let latest: readonly TargetGroup[] = [];
    const updates: ((g: readonly TargetGroup[]) => void)[] = [];
    d.start((g) => {
      latest = g;
      for (const u of updates) u(g);
    });
    expect(latest.map((g) => g.targets.length)).toEqual([1]);
    const next = (pred: (g: readonly TargetGroup[]) => boolean) => waitFor((u) => updates.push(u), pred);

    writeFileSync(file, JSON.stringify([{ targets: ['h:1', 'h:2'] }]));
    await next((g) => g[0]?.targets.length === 2);
    writeFileSync(file, '[{"targets": ');
    writeFileSync(join(dir, 'more.json'), JSON.stringify([{ targets: ['h:3'] }]));
    const g = await next((g) => g.length === 2);
    expect(g.map((x) => x.source)).toEqual([`${join(dir, 'more.json')}:0`, `${file}:0`]);
    expect(g[1]!.targets).toHaveLength(2); // the broken file kept its last good groups
  });
});

describe('HTTP SD', () => {
  async function serve(handler: (req: IncomingMessage) => { status?: number; type?: string; body: string }): Promise<string> {
    const server: Server = createServer((req, res) => {
      const { status = 200, type = 'application/json', body } = handler(req);
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/sd`;
  }

  it('fetches groups with __meta_url and Prometheus headers; refuses other content types and statuses', async () => {
    let seen: IncomingMessage['headers'] = {};
    let answer: { status?: number; type?: string; body: string } = { body: JSON.stringify([{ targets: ['h:9'], labels: { a: 'b' } }]) };
    const url = await serve((req) => {
      seen = req.headers;
      return answer;
    });
    const cfg = { url, refreshIntervalMs: 60_000, httpClient: defaultHttpClient() };
    const groups = await fetchTargetGroups(cfg);
    expect(groups).toEqual([{ targets: [[{ name: '__address__', value: 'h:9' }]], labels: [{ name: '__meta_url', value: url }, { name: 'a', value: 'b' }], source: `${url}:0` }]);
    expect(seen['x-prometheus-refresh-interval-seconds']).toBe('60');
    expect(seen.accept).toBe('application/json');
    answer = { type: 'text/plain', body: '[]' };
    await expect(fetchTargetGroups(cfg)).rejects.toThrow('unsupported content type "text/plain"');
    answer = { status: 500, body: '[]' };
    await expect(fetchTargetGroups(cfg)).rejects.toThrow('server returned HTTP status 500 Internal Server Error');
  });

  it('refreshes every refresh_interval', async () => {
    let n = 0;
    const url = await serve(() => ({ body: JSON.stringify([{ targets: Array.from({ length: ++n }, (_, i) => `h:${i}`) }]) }));
    const d = new HttpDiscoverer({ url, refreshIntervalMs: 100, httpClient: defaultHttpClient() });
    cleanups.push(() => d.stop());
    const g = await waitFor((u) => d.start(u), (g) => (g[0]?.targets.length ?? 0) >= 3);
    expect(g[0]!.targets.length).toBeGreaterThanOrEqual(3);
  });
});
