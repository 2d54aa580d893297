// A fast remote-write receiver for benchmarks: decodes every request with promwasm's own decoder
// (1.0 and 2.0), counts samples and the distinct (series, timestamp) pairs it saw, answers 204.
// Run as its own process so that decoding never competes with the load generator's event loop:
//
//   tsx bench/lib/rw-sink.ts      → prints {"port": N} on stdout; GET /count answers the counts.

import { createServer } from 'node:http';
import { uncompress } from '../../src/native/snappy.js';
import { versionOfContentType } from '../../src/remote/content-type.js';
import { DecodedWriteRequest } from '../../src/remote/decoded-request.js';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';

const decoder = new WriteRequestDecoder();
const decoded = new DecodedWriteRequest();
let samples = 0;
let requests = 0;
let failed = 0;
/** Per series, the newest timestamp seen; samples at or before it are counted as repeats. */
interface SeriesState {
  last: number;
}
const byText = new Map<string, SeriesState>();
// The decoder's label-set cache hands out the same object for the same wire labels: a fast path.
const byObject = new WeakMap<object, SeriesState>();
let repeats = 0;
let firstAt = 0;
let lastAt = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ samples, requests, failed, series: byText.size, repeats, firstAt, lastAt }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        const body = await uncompress(Buffer.concat(chunks));
        const r = decoder.decode(versionOfContentType(req.headers['content-type']), body, decoded);
        for (let i = 0; i < r.seriesCount; i++) {
          const state = seriesState(r, i);
          for (let k = r.sampleStart[i]!; k < r.sampleStart[i + 1]!; k++) {
            const t = r.timestamps[k]!;
            if (t <= state.last) repeats++;
            else state.last = t;
          }
        }
        samples += r.sampleCount;
        requests++;
        lastAt = Date.now();
        if (firstAt === 0) firstAt = lastAt;
        res.writeHead(204).end();
      } catch (err) {
        failed++;
        res.writeHead(400).end(String(err));
      }
    })();
  });
});

function seriesState(r: DecodedWriteRequest, i: number): SeriesState {
  const set = r.seriesSets[i]!;
  let state = byObject.get(set);
  if (state !== undefined) return state;
  let key = '';
  for (const l of set.labels) key += `${l.name}\xff${l.value}\xff`;
  state = byText.get(key);
  if (state === undefined) byText.set(key, (state = { last: -Infinity }));
  byObject.set(set, state);
  return state;
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
