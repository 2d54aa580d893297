// The remote-write requests captured from Prometheus 2.42 (test/fixtures/remote-write) and
// their decoded form, as written by the capture (bits of each value exact).

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/remote-write');

export interface ExpectedSample {
  readonly value: number | string;
  /** IEEE-754 bits as 16 hex digits. */
  readonly bits: string;
  /** int64 as a decimal string. */
  readonly timestamp: string;
}

export interface ExpectedRequest {
  readonly file: string;
  readonly kind: 'samples' | 'metadata';
  readonly uncompressedBytes: number;
  readonly summary: { readonly samples: number; readonly staleMarkers: number; readonly metadata: number };
  readonly timeseries: readonly { readonly labels: Record<string, string>; readonly samples: readonly ExpectedSample[] }[];
  readonly metadata?: readonly {
    readonly type: string;
    readonly typeNumber: number;
    readonly metric_family_name: string;
    readonly help: string;
    readonly unit: string;
  }[];
}

export const fixtureNames: readonly string[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.bin'))
  .map((f) => f.slice(0, -'.bin'.length))
  .sort();

export function fixtureBody(name: string): Buffer {
  return readFileSync(resolve(DIR, `${name}.bin`));
}

export function fixtureExpected(name: string): ExpectedRequest {
  return JSON.parse(gunzipSync(readFileSync(resolve(DIR, `${name}.json.gz`))).toString('utf8')) as ExpectedRequest;
}

/** Hex of a double's IEEE-754 bits, high byte first (as in the fixture JSON). */
export function bitsOf(values: Float64Array, i: number): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset + i * 8, 8);
  let s = '';
  for (let k = 7; k >= 0; k--) s += bytes[k]!.toString(16).padStart(2, '0');
  return s;
}

/** A Float64Array holding the double whose bits are `hex` (16 hex digits). */
export function doubleOfBits(hex: string): Float64Array {
  const out = new Float64Array(1);
  new DataView(out.buffer).setBigUint64(0, BigInt(`0x${hex}`), true);
  return out;
}
