// @ts-check
// Embeds promwasm: records this process's own metrics every 100 ms for about a second through the
// appender, then reads them back with PromQL.
//
//   npm run build && node examples/embed/record-process-metrics.mjs [data-dir]
//
// Without a data directory it uses a temporary one and removes it at the end.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatGoFloat, labelsFromRecord, openDB } from 'promwasm';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'promwasm-example-'));
const db = await openDB(dir, { retention: '1d' });

const job = { job: 'example', instance: `pid-${process.pid}` };
const series = {
  cpu: labelsFromRecord({ __name__: 'process_cpu_seconds_total', ...job }),
  rss: labelsFromRecord({ __name__: 'process_resident_memory_bytes', ...job }),
  heap: labelsFromRecord({ __name__: 'nodejs_heap_used_bytes', ...job }),
};
/** Series refs from the first append; later appends skip the label lookup. */
const refs = { cpu: 0, rss: 0, heap: 0 };

let last = 0;
let garbage = [];
for (let i = 0; i < 11; i++) {
  const t = Date.now();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const app = db.appender();
  refs.cpu = app.append(refs.cpu, series.cpu, t, (cpu.user + cpu.system) / 1e6);
  refs.rss = app.append(refs.rss, series.rss, t, memory.rss);
  refs.heap = app.append(refs.heap, series.heap, t, memory.heapUsed);
  await app.commit();
  last = t;
  garbage.push(new Array(50_000).fill(i)); // something for the heap to show
  await new Promise((r) => setTimeout(r, 100));
}
garbage = [];

/** @param {import('promwasm').Value} v */
function show(v) {
  if (v.kind === 'vector') return v.samples.map((s) => `  ${s.labels.map((l) => `${l.name}=${l.value}`).join(' ')} => ${formatGoFloat(s.v)}`).join('\n');
  if (v.kind === 'scalar') return `  ${formatGoFloat(v.v)}`;
  return `  ${JSON.stringify(v)}`;
}

const stats = db.stats();
console.log(`recorded ${stats.samplesAppended} samples of ${stats.numSeries} series in ${dir}`);
console.log('rate(process_cpu_seconds_total[2s]):');
console.log(show(await db.query('rate(process_cpu_seconds_total[2s])', last)));
console.log('max_over_time(process_resident_memory_bytes[2s]) / 2^20 (MiB):');
console.log(show(await db.query('max_over_time(process_resident_memory_bytes[2s]) / 2^20', last)));
console.log('count_over_time(nodejs_heap_used_bytes[2s]):');
console.log(show(await db.query('count_over_time(nodejs_heap_used_bytes[2s])', last)));

const range = await db.queryRange('nodejs_heap_used_bytes / 2^20', last - 1000, last, 250);
for (const s of range) {
  const points = Array.from(s.values, (v, i) => `${s.timestamps[i] - (last - 1000)}ms:${v.toFixed(1)}`);
  console.log(`heap MiB over the last second, every 250ms: ${points.join(' ')}`);
}

for await (const s of db.select('{__name__="process_cpu_seconds_total"}', { mint: last - 60_000, maxt: last })) {
  const { timestamps, values, length } = await s.samples();
  console.log(`raw cpu samples: ${length}, first ${formatGoFloat(values[0])} at ${timestamps[0]}, last ${formatGoFloat(values[length - 1])}`);
}

await db.close();
if (process.argv[2] === undefined) rmSync(dir, { recursive: true, force: true });
