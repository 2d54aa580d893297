// Exposition parsing throughput: samples/s and MB/s of the text and OpenMetrics parsers on the real
// node-exporter body and on a larger synthetic body shaped like a Kubernetes target, in the ways the
// scrape loop uses them, against a regex-per-line reference parser run in the same process.
//
//   npx tsx bench/textparse.bench.ts
//
// Modes:
//   cached    next() + seriesKey() + the value into a Float64Array: a scrape whose series are all in
//             the scrape cache (the steady state)
//   cold      the same + labels() for every sample: a first scrape, every series a cache miss
//   validate  the strict validation (validateText / validateOpenMetrics), no linting
//   regex     reference: split into lines, one regex per sample line, Number() for the value, a key
//             string per sample (what a straightforward parser does)
// Each cell is the median of 7 rounds of at least 300 ms.

import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Entry, createParser } from '../src/textparse/index.js';
import { validateOpenMetrics } from '../src/textparse/openmetrics-validator.js';
import { validateText } from '../src/textparse/text-validator.js';
import { Prng } from '../test/helpers/prng.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const FIXTURES = join(import.meta.dirname, '../test/fixtures/scrape');

interface Body {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly samples: number;
}

function fixture(path: string): Buffer {
  return gunzipSync(readFileSync(join(FIXTURES, path)));
}

/** ~20k series in 12 families, 4–8 labels each, like a kubelet/cAdvisor target. */
function syntheticK8s(openMetrics: boolean): Buffer {
  const rng = new Prng(7);
  const lines: string[] = [];
  const families = ['container_cpu_usage_seconds', 'container_memory_working_set_bytes', 'container_network_receive_bytes', 'kube_pod_status_phase', 'apiserver_request_duration_seconds', 'http_requests'];
  for (const [fi, f] of families.entries()) {
    const counter = fi % 2 === 0;
    lines.push(`# HELP ${counter && !openMetrics ? f + '_total' : f} Synthetic family ${fi}.`, `# TYPE ${counter && !openMetrics ? f + '_total' : f} ${counter ? 'counter' : 'gauge'}`);
    for (let i = 0; i < 3400; i++) {
      const labels = [`namespace="team-${i % 23}"`, `pod="api-${(i * 7919).toString(36)}-${(rng.nextU32() % 46656).toString(36)}"`, `container="c${i % 5}"`, `node="node-${i % 40}.example.internal"`];
      if (i % 3 === 0) labels.push(`image="registry.example.com/app/service-${i % 41}:v1.${i % 13}.0"`, `phase="Running"`);
      const value = fi % 3 === 0 ? (rng.next() * 1e6).toFixed(3) : String(rng.int(0, 1e9));
      lines.push(`${counter ? f + '_total' : f}{${labels.join(',')}} ${value}`);
    }
  }
  if (openMetrics) lines.push('# EOF');
  return Buffer.from(lines.join('\n') + '\n');
}

function countSamples(b: Body): number {
  const p = createParser(b.bytes, b.contentType);
  let n = 0;
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) if (e === Entry.Series) n++;
  return n;
}

const values = new Float64Array(1 << 16);

function cached(b: Body): number {
  const p = createParser(b.bytes, b.contentType);
  let n = 0;
  let keyChars = 0;
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
    if (e !== Entry.Series) continue;
    keyChars += p.seriesKey().length;
    p.copyValueTo(values, n & 0xffff);
    if (p.hasTimestamp()) keyChars += p.timestamp() & 1;
    n++;
  }
  return n + (keyChars & 0);
}

function cold(b: Body): number {
  const p = createParser(b.bytes, b.contentType);
  let n = 0;
  let labels = 0;
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
    if (e !== Entry.Series) continue;
    labels += p.seriesKey().length & 0;
    labels += p.labels().length;
    p.copyValueTo(values, n & 0xffff);
    n++;
  }
  return n + (labels & 0);
}

function validate(b: Body): number {
  if (b.contentType === OPENMETRICS) validateOpenMetrics(b.bytes);
  else validateText(b.bytes);
  return b.samples;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;

function regex(b: Body): number {
  const text = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength).toString('utf8');
  let n = 0;
  let keyChars = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`reference parser cannot read ${line}`);
    keyChars += (m[1]! + (m[2] ?? '')).length;
    values[n & 0xffff] = Number(m[3]);
    n++;
  }
  return n + (keyChars & 0);
}

/** Samples per second: median of rounds of at least `minMs` each. */
function rate(fn: (b: Body) => number, b: Body, rounds = 7, minMs = 300): number {
  for (let i = 0; i < 20; i++) fn(b); // warm up
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let samples = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      samples += fn(b);
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < minMs);
    rates.push((samples / elapsed) * 1000);
  }
  return rates.sort((x, y) => x - y)[rounds >> 1]!;
}

function main(): void {
  const bodies: Body[] = [
    { name: 'node-exporter text', bytes: fixture('node-exporter/text.txt.gz'), contentType: TEXT, samples: 0 },
    { name: 'node-exporter OpenMetrics', bytes: fixture('node-exporter/protobuf-as-openmetrics.txt.gz'), contentType: OPENMETRICS, samples: 0 },
    { name: 'k8s-like text (20k series)', bytes: syntheticK8s(false), contentType: TEXT, samples: 0 },
    { name: 'k8s-like OpenMetrics (20k series)', bytes: syntheticK8s(true), contentType: OPENMETRICS, samples: 0 },
  ].map((b) => ({ ...b, samples: countSamples(b) }));

  const header = ['body', 'KiB', 'samples', 'mode', 'samples/s', 'MB/s', 'vs regex'];
  const rows: string[][] = [];
  for (const b of bodies) {
    const reference = rate(regex, b);
    const validates = b.contentType === TEXT || !b.name.startsWith('node-exporter'); // the expfmt OM body repeats a family
    for (const [mode, fn] of [['cached', cached], ['cold', cold], ...(validates ? [['validate', validate]] : []), ['regex', regex]] as const) {
      const r = mode === 'regex' ? reference : rate(fn, b);
      const mbps = (r / b.samples) * b.bytes.length / 1e6;
      rows.push([b.name, (b.bytes.length / 1024).toFixed(1), String(b.samples), mode, (r / 1e6).toFixed(2) + 'M', mbps.toFixed(0), (r / reference).toFixed(2) + 'x']);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i >= 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(`node ${process.version}`);
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
}

main();
