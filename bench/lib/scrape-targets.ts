// The scrape benchmark's targets, run as a child process so that serving them costs neither server
// under test: one HTTP server answering /t/<i> for i < targets with a text 0.0.4 body of `series`
// samples (10 families: counters and gauges with a few labels). Each target has two bodies with
// different values, served alternately, so every scrape appends changing values.
//
//   node --import tsx bench/lib/scrape-targets.ts <targets> <series>     prints the port, then serves

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const FAMILIES = 10;

function body(target: number, series: number, round: number): Buffer {
  const lines: string[] = [];
  const perFamily = Math.ceil(series / FAMILIES);
  let written = 0;
  for (let f = 0; f < FAMILIES && written < series; f++) {
    const counter = f % 2 === 0;
    const name = counter ? `bench_requests_${f}_total` : `bench_inflight_${f}`;
    lines.push(`# HELP ${name} Benchmark family ${f}.`, `# TYPE ${name} ${counter ? 'counter' : 'gauge'}`);
    for (let s = 0; s < perFamily && written < series; s++, written++) {
      const value = counter ? (target * 7 + s) * 1000 + round * (s + 1) : ((target + s + round) % 97) + 0.5;
      lines.push(`${name}{handler="/api/v${s % 3}/item/${s}",method="${s % 2 ? 'GET' : 'POST'}",code="${200 + (s % 5)}"} ${value}`);
    }
  }
  return Buffer.from(lines.join('\n') + '\n');
}

const targets = Number(process.argv[2] ?? 1000);
const series = Number(process.argv[3] ?? 500);
const bodies = Array.from({ length: targets }, (_, t) => [body(t, series, 0), body(t, series, 1)] as const);
const served = new Uint32Array(targets);

const server = createServer((req, res) => {
  const t = Number(/^\/t\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
  const pair = bodies[t];
  if (pair === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(pair[served[t]++ & 1]);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
