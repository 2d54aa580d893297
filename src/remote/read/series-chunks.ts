// A selected series' samples as XOR chunks for the streamed response. The query source hands out
// samples already trimmed to the query range (deleted ones gone, blocks and head merged), so every
// chunk sent holds exactly the in-range samples, which is what Prometheus's trimming re-encode does
// for chunks crossing the range. Chunks are cut every 120 samples, the size Prometheus aims for.

import type { SeriesData } from '../../tsdb/block/source.js';
import { encodeXorChunk } from '../../wasm/index.js';
import { CHUNK_XOR, type ReadChunk } from './response.js';

/** Samples per chunk, as Prometheus's head cuts them. */
export const SAMPLES_PER_CHUNK = 120;

/** The series' samples as XOR chunks in time order; none when it has no samples. */
export async function* xorChunksOf(series: SeriesData, samplesPerChunk = SAMPLES_PER_CHUNK): AsyncGenerator<ReadChunk> {
  const ts = new Float64Array(samplesPerChunk);
  const vs = new Float64Array(samplesPerChunk);
  let n = 0;
  const cut = (): ReadChunk => {
    const chunk = { minTimeMs: ts[0]!, maxTimeMs: ts[n - 1]!, type: CHUNK_XOR, data: encodeXorChunk(ts, vs, 0, n) };
    n = 0;
    return chunk;
  };
  for await (const batch of series.batches()) {
    for (let i = 0; i < batch.length; ) {
      const take = Math.min(samplesPerChunk - n, batch.length - i);
      // Typed-array copies move the value bits as they are (NaN payloads included).
      ts.set(batch.timestamps.subarray(i, i + take), n);
      vs.set(batch.values.subarray(i, i + take), n);
      n += take;
      i += take;
      if (n === samplesPerChunk) yield cut();
    }
  }
  if (n > 0) yield cut();
}
