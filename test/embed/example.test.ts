// examples/embed/record-process-metrics.mjs, run as a user runs it: plain node, importing `promwasm`
// (the package resolving itself through its exports, i.e. dist/ as `npm ci` → prepare builds it).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDB } from '../../src/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples', 'embed', 'record-process-metrics.mjs');
const dir = mkdtempSync(join(tmpdir(), 'promwasm-example-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/embed', () => {
  it('records its own process metrics through the appender and reads them back with PromQL', async () => {
    let dist = '';
    try {
      dist = readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8');
    } catch {
      // checked below
    }
    expect(dist.includes('openDB'), 'dist/ lacks openDB: run `npm run build` (npm ci does it through prepare)').toBe(true);

    const data = join(dir, 'data');
    const run = spawnSync(process.execPath, [EXAMPLE, data], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`recorded 33 samples of 3 series in ${data}`);
    const afterHeading = (heading: string) => lines[lines.indexOf(heading) + 1] ?? '';
    expect(afterHeading('rate(process_cpu_seconds_total[2s]):')).toMatch(/^ {2}instance=pid-\d+ job=example => \d/);
    expect(afterHeading('max_over_time(process_resident_memory_bytes[2s]) / 2^20 (MiB):')).toMatch(/=> \d+(\.\d+)?$/);
    expect(afterHeading('count_over_time(nodejs_heap_used_bytes[2s]):')).toMatch(/=> 11$/);
    expect(run.stdout).toMatch(/^heap MiB over the last second, every 250ms: 0ms:\d+\.\d 250ms:\d+\.\d 500ms:\d+\.\d 750ms:\d+\.\d 1000ms:\d+\.\d$/m);
    expect(run.stdout).toMatch(/^raw cpu samples: 11, first \S+ at \d+, last \S+$/m);

    // The example closed its database: the lock is gone and the samples are on disk.
    const db = await openDB(data);
    const series = [];
    for await (const s of db.select('{job="example"}')) series.push(`${s.labels.find((l) => l.name === '__name__')!.value} ${(await s.samples()).length}`);
    expect(series).toEqual(['nodejs_heap_used_bytes 11', 'process_cpu_seconds_total 11', 'process_resident_memory_bytes 11']);
    await db.close();
  }, 90_000);
});
