// Every chunk of four blocks written by promtool 2.42 decodes, and re-encodes to the same bytes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/tsdb/encoding/crc32c.js';
import { decodeXorChunk, decodeXorChunks, encodeXorChunk } from '../../src/wasm/index.js';

interface SegmentChunk {
  offset: number; // of the chunk's length varint within the segment file
  encoding: number;
  data: Uint8Array;
}

/** Splits a chunk segment file: 8-byte header, then uvarint length, encoding byte, data, BE32 CRC32C. */
function readSegment(bytes: Uint8Array): SegmentChunk[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(view.getUint32(0)).toBe(0x85bd40dd);
  expect(bytes[4]).toBe(1);
  const chunks: SegmentChunk[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const offset = pos;
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++]!;
      length += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const encoding = bytes[pos]!;
    const data = bytes.subarray(pos + 1, pos + 1 + length);
    const crc = view.getUint32(pos + 1 + length);
    expect(crc32c(bytes, pos, pos + 1 + length), `CRC of the chunk at ${offset}`).toBe(crc);
    chunks.push({ offset, encoding, data });
    pos += 1 + length + 4;
  }
  expect(pos).toBe(bytes.length);
  return chunks;
}

const BLOCKS = [
  { ulid: '01M87X1JDRRPSPQC6QS2KG1QER', samples: 9960, chunks: 137, minTime: 1686735433242, maxTime: 1686736799937 },
  { ulid: '01M87X1JRM3RJ0MJXRAA4W4XKD', samples: 52586, chunks: 436, minTime: 1686736800333, maxTime: 1686743999937 },
  { ulid: '01M87X1K2Z1622Y3Z27CC96CDT', samples: 52399, chunks: 439, minTime: 1686744000047, maxTime: 1686751199937 },
  { ulid: '01M87X1KE92W92H3KKWTYAMBCS', samples: 29202, chunks: 291, minTime: 1686751200333, maxTime: 1686755233140 },
];

describe.each(BLOCKS)('block $ulid', (block) => {
  const file = new URL(`../fixtures/blocks/${block.ulid}/chunks/000001`, import.meta.url);
  const segment = readSegment(readFileSync(file));

  it(`has ${block.chunks} XOR chunks holding ${block.samples} samples within the block's time range`, () => {
    expect(segment.length).toBe(block.chunks);
    let samples = 0;
    for (const chunk of segment) {
      expect(chunk.encoding).toBe(1);
      const columns = decodeXorChunk(chunk.data, undefined, { file: file.pathname, offset: chunk.offset });
      expect(columns.length).toBe((chunk.data[0]! << 8) | chunk.data[1]!);
      let previous = block.minTime - 1;
      for (const t of columns.timestamps.subarray(0, columns.length)) {
        if (!(t > previous && t <= block.maxTime)) expect.fail(`chunk at ${chunk.offset}: timestamp ${t} after ${previous}`);
        previous = t;
      }
      samples += columns.length;
    }
    expect(samples).toBe(block.samples);
  });

  it('re-encodes every chunk to the bytes promtool wrote', () => {
    for (const chunk of segment) {
      const columns = decodeXorChunk(chunk.data);
      const again = encodeXorChunk(columns.timestamps, columns.values);
      expect(Buffer.from(again).equals(chunk.data), `chunk at offset ${chunk.offset}`).toBe(true);
    }
  });

  it('decodes all chunks in one call to the same samples as one by one', () => {
    const all = decodeXorChunks(segment.map((c) => c.data));
    expect(all.length).toBe(block.samples);
    expect(all.counts.length).toBe(block.chunks);
    let at = 0;
    for (const [i, chunk] of segment.entries()) {
      const one = decodeXorChunk(chunk.data);
      expect(all.counts[i]).toBe(one.length);
      expect(all.timestamps.subarray(at, at + one.length)).toEqual(one.timestamps);
      expect(bits(all.values.subarray(at, at + one.length))).toEqual(bits(one.values));
      at += one.length;
    }
  });
});

function bits(values: Float64Array): BigUint64Array {
  return new BigUint64Array(values.slice().buffer);
}
