// A minimal remote-write 1.0 encoder for tests and load generation: labels of each series are
// encoded once, then every request only appends the sample fields.

import { compareStrings, type Labels } from '../../src/model/labels.js';

const enc = new TextEncoder();

function uvarintLen(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putUvarint(b: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    b[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}

function putBytesField(b: Uint8Array, p: number, tag: number, bytes: Uint8Array): number {
  b[p++] = tag;
  p = putUvarint(b, p, bytes.length);
  b.set(bytes, p);
  return p + bytes.length;
}

/** The encoded `repeated Label labels = 1` fields of one series (sorted by name). */
export function encodeLabels(labels: Labels): Uint8Array {
  const sorted = [...labels].sort((a, b) => compareStrings(a.name, b.name));
  const parts = sorted.map((l) => {
    const n = enc.encode(l.name);
    const v = enc.encode(l.value);
    const body = new Uint8Array(2 + uvarintLen(n.length) + n.length + uvarintLen(v.length) + v.length);
    putBytesField(body, putBytesField(body, 0, 0x0a, n), 0x12, v);
    return body;
  });
  const size = parts.reduce((s, b) => s + 1 + uvarintLen(b.length) + b.length, 0);
  const out = new Uint8Array(size);
  let p = 0;
  for (const part of parts) p = putBytesField(out, p, 0x0a, part);
  return out;
}

/**
 * A WriteRequest with one TimeSeries per entry, each holding one sample (as Prometheus's
 * own sender does): `series[i]` labels, value `values[i]`, timestamp `t`.
 */
export function encodeWriteRequest(series: readonly Uint8Array[], values: Float64Array, t: number): Uint8Array {
  const sample = new Uint8Array(9 + 1 + 10);
  const sampleView = new DataView(sample.buffer);
  let size = 0;
  for (const l of series) {
    const ts = l.length + 2 + 20;
    size += 1 + uvarintLen(ts) + ts;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (let i = 0; i < series.length; i++) {
    // Sample { double value = 1; int64 timestamp = 2; }
    sample[0] = 0x09;
    sampleView.setFloat64(1, values[i]!, true);
    sample[9] = 0x10;
    const sampleLen = putUvarint(sample, 10, t);
    const labels = series[i]!;
    const tsLen = labels.length + 1 + uvarintLen(sampleLen) + sampleLen;
    out[p++] = 0x0a;
    p = putUvarint(out, p, tsLen);
    out.set(labels, p);
    p += labels.length;
    out[p++] = 0x12;
    p = putUvarint(out, p, sampleLen);
    out.set(sample.subarray(0, sampleLen), p);
    p += sampleLen;
  }
  return out.subarray(0, p);
}
