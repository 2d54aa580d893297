// Seeded mutations of real request bodies, for fuzzing the decoder and the handler.

import type { Prng } from '../helpers/prng.js';

/** Offsets of every length prefix in a protobuf body, found by trying each length-delimited field as a message. */
export function lengthPrefixOffsets(body: Uint8Array): number[] {
  const out: number[] = [];
  walk(body, 0, body.length, out, 0);
  return out;
}

function readVarint(b: Uint8Array, p: number, end: number): [number, number] | null {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (p >= end) return null;
    const x = b[p++]!;
    v += (x & 0x7f) * 2 ** shift;
    if (x < 0x80) return [v, p];
  }
  return null;
}

function walk(b: Uint8Array, p: number, end: number, out: number[], depth: number): boolean {
  const found: number[] = [];
  while (p < end) {
    const tag = readVarint(b, p, end);
    if (!tag || tag[0] < 8) return false;
    p = tag[1];
    switch (tag[0] & 7) {
      case 0: {
        const v = readVarint(b, p, end);
        if (!v) return false;
        p = v[1];
        break;
      }
      case 1: p += 8; break;
      case 5: p += 4; break;
      case 2: {
        const at = p;
        const len = readVarint(b, p, end);
        if (!len || len[1] + len[0] > end) return false;
        found.push(at);
        if (depth < 6) walk(b, len[1], len[1] + len[0], found, depth + 1);
        p = len[1] + len[0];
        break;
      }
      default: return false;
    }
  }
  if (p !== end) return false;
  out.push(...found);
  return true;
}

function varintBytes(v: bigint): number[] {
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function splice(body: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(body.length - remove + insert.length);
  out.set(body.subarray(0, at), 0);
  out.set(insert, at);
  out.set(body.subarray(at + remove), at + insert.length);
  return out;
}

export type MutationKind = 'bitflip' | 'byte' | 'truncate' | 'inflate' | 'splice' | 'delete' | 'duplicate';
export const MUTATIONS: readonly MutationKind[] = ['bitflip', 'byte', 'truncate', 'inflate', 'splice', 'delete', 'duplicate'];

/** One mutation of `body` (`donor` supplies bytes for splices). */
export function mutate(rng: Prng, body: Uint8Array, donor: Uint8Array, kind: MutationKind, prefixes: readonly number[]): Uint8Array {
  const n = body.length;
  switch (kind) {
    case 'bitflip': {
      const out = body.slice();
      for (let k = rng.int(1, 8); k > 0; k--) out[rng.int(0, n - 1)]! ^= 1 << rng.int(0, 7);
      return out;
    }
    case 'byte': {
      const out = body.slice();
      out[rng.int(0, n - 1)] = rng.int(0, 255);
      return out;
    }
    case 'truncate':
      return body.slice(0, rng.int(0, n - 1));
    case 'inflate': {
      if (prefixes.length === 0) return body.slice();
      const at = rng.pick(prefixes);
      let end = at;
      while (body[end]! >= 0x80) end++;
      let old = 0n;
      for (let i = end; i >= at; i--) old = (old << 7n) | BigInt(body[i]! & 0x7f);
      const grown = rng.pick([old + 1n, old + BigInt(rng.int(2, 1000)), 2n ** 31n, 2n ** 32n + old, 2n ** 63n - 1n, 2n ** 64n - 1n]);
      return splice(body, at, end - at + 1, varintBytes(grown));
    }
    case 'splice': {
      const from = rng.int(0, donor.length - 1);
      const len = rng.int(1, Math.min(64, donor.length - from));
      return splice(body, rng.int(0, n), 0, donor.subarray(from, from + len));
    }
    case 'delete': {
      const at = rng.int(0, n - 1);
      return splice(body, at, rng.int(1, Math.min(32, n - at)), []);
    }
    case 'duplicate': {
      const at = rng.int(0, n - 1);
      const len = rng.int(1, Math.min(64, n - at));
      return splice(body, rng.int(0, n), 0, body.slice(at, at + len));
    }
  }
}
