// XOR chunk codec throughput: the WASM codec (src/wasm) against the plain TypeScript reference codec
// (test/reference), on the same samples in the same process. Prints samples per second and the ratio.
//
//   npm run bench

import { readFileSync, readdirSync } from 'node:fs';
import { HeadChunkStore, decodeXorChunk, decodeXorChunks, encodeXorChunk, type SampleColumns } from '../src/wasm/index.js';
import { Prng } from '../test/helpers/prng.js';
import { referenceDecodeXor, referenceEncodeXor } from '../test/reference/xor-reference.js';
import { randomSeries } from '../test/wasm/series-gen.js';

interface Dataset {
  name: string;
  chunks: { timestamps: Float64Array; values: Float64Array; bytes: Uint8Array }[];
  samples: number;
}

/** Every chunk of the promtool-written fixture blocks: real counters, gauges, jitter, specials. */
function fixtureDataset(): Dataset {
  const root = new URL('../test/fixtures/blocks/', import.meta.url);
  const chunks: Dataset['chunks'] = [];
  for (const ulid of readdirSync(root).filter((name) => /^[0-9A-Z]{26}$/.test(name))) {
    const segment = readFileSync(new URL(`${ulid}/chunks/000001`, root));
    for (let pos = 8; pos < segment.length; ) {
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const b = segment[pos++]!;
        length += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
      }
      const bytes = segment.subarray(pos + 1, pos + 1 + length);
      const { timestamps, values } = decodeXorChunk(bytes);
      chunks.push({ timestamps, values, bytes });
      pos += 1 + length + 4;
    }
  }
  return { name: 'promtool blocks', chunks, samples: chunks.reduce((n, c) => n + c.timestamps.length, 0) };
}

/** 2000 seeded chunks of 120 samples with random timestamp and value patterns (many 64-bit-wide XORs). */
function syntheticDataset(): Dataset {
  const rng = new Prng(2042);
  const chunks = Array.from({ length: 2000 }, () => {
    const { timestamps, values } = randomSeries(rng, 120);
    return { timestamps, values, bytes: encodeXorChunk(timestamps, values) };
  });
  return { name: 'synthetic', chunks, samples: 2000 * 120 };
}

/**
 * Runs `pass` (which handles `samples` samples) repeatedly for about `seconds` of this process's CPU time
 * (robust on a busy machine; includes V8's GC threads); returns samples per CPU second.
 */
function measure(samples: number, pass: () => void, seconds = 1): number {
  for (let i = 0; i < 3; i++) pass(); // warm up the JIT and the WASM tiers
  const cpuSeconds = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  let runs = 0;
  const start = cpuSeconds();
  let elapsed = 0;
  do {
    pass();
    runs++;
    elapsed = cpuSeconds() - start;
  } while (elapsed < seconds);
  return (samples * runs) / elapsed;
}

interface Row {
  operation: string;
  dataset: string;
  wasm: number;
  reference?: number;
}

const rows: Row[] = [];
const checksum = { value: 0 }; // keeps results alive so no pass can be optimized away

for (const data of [fixtureDataset(), syntheticDataset()]) {
  rows.push({
    operation: 'encode, one chunk per call',
    dataset: data.name,
    wasm: measure(data.samples, () => {
      for (const c of data.chunks) checksum.value += encodeXorChunk(c.timestamps, c.values).length;
    }),
    reference: measure(data.samples, () => {
      for (const c of data.chunks) checksum.value += referenceEncodeXor(c.timestamps, c.values).length;
    }),
  });

  const out: SampleColumns = { timestamps: new Float64Array(0), values: new Float64Array(0), length: 0 };
  rows.push({
    operation: 'decode, one chunk per call',
    dataset: data.name,
    wasm: measure(data.samples, () => {
      for (const c of data.chunks) checksum.value += decodeXorChunk(c.bytes, out).length;
    }),
    reference: measure(data.samples, () => {
      for (const c of data.chunks) checksum.value += referenceDecodeXor(c.bytes).timestamps.length;
    }),
  });

  const all = data.chunks.map((c) => c.bytes);
  rows.push({
    operation: 'decode, all chunks in one call',
    dataset: data.name,
    wasm: measure(data.samples, () => {
      checksum.value += decodeXorChunks(all, out).length;
    }),
  });

  rows.push({
    operation: 'head append, 1 sample per chunk',
    dataset: data.name,
    wasm: measureHeadAppend(data),
  });
}

/**
 * The head's shape of work: each call appends the next sample of every chunk, as one scrape of all series
 * does. Chunks with fewer than 100 samples are left out; the rest contribute their first 100.
 */
function measureHeadAppend(data: Dataset): number {
  const depth = 100;
  const chunks = data.chunks.filter((c) => c.timestamps.length >= depth);
  const width = chunks.length;
  const ts = new Float64Array(width * depth);
  const vs = new Float64Array(width * depth);
  chunks.forEach((c, i) => {
    for (let k = 0; k < depth; k++) {
      ts[k * width + i] = c.timestamps[k]!;
      vs.set(c.values.subarray(k, k + 1), k * width + i);
    }
  });
  const store = new HeadChunkStore();
  return measure(width * depth, () => {
    const handles = store.create(width);
    for (let k = 0; k < depth; k++) {
      store.append(handles, ts.subarray(k * width, (k + 1) * width), vs.subarray(k * width, (k + 1) * width));
    }
    checksum.value += store.numSamples(handles[0]!);
    store.free(handles);
  });
}

const format = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : `${(n / 1e3).toFixed(0)} k`);
const table = [
  ['operation', 'dataset', 'WASM samples/s', 'TS reference samples/s', 'WASM / TS'],
  ...rows.map((r) => [
    r.operation,
    r.dataset,
    format(r.wasm),
    r.reference ? format(r.reference) : '-',
    r.reference ? `${(r.wasm / r.reference).toFixed(1)}×` : '-',
  ]),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
for (const [i, row] of table.entries()) {
  console.log(`| ${row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`);
  if (i === 0) console.log(`|${widths.map((w, c) => (c < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
}
console.log(`\nsamples per CPU second; node ${process.version}; checksum ${checksum.value}`);
