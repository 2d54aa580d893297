// Seeded fuzzing of the hand decoder against protobufjs, on mutated real bodies.
//
// What must hold for every mutated body:
//   - the hand decoder returns or throws a ProtoDecodeError, quickly; nothing else;
//   - when it accepts, protobufjs accepts too and decodes the same request;
//   - when protobufjs rejects, the hand decoder rejects too;
//   - a decoder warmed by earlier bodies (its label cache) decodes like a fresh one.
// Where protobufjs itself departs from the protobuf encoding Go implements, a body says nothing
// about agreement: protobufjs reads a 32-bit varint (tags, lengths, uint32/enum/sint32 fields)
// as 5 bytes and then skips 5 more whatever they are. Such bodies are detected by watching
// protobufjs's reader and left out of the agreement checks (not of the first one). The hand
// decoder is stricter than protobufjs by design (wire types of known fields, UTF-8, field 0,
// int64 beyond 2^53, nested lengths past their parent), so "hand rejects, protobufjs
// accepts" is allowed.

import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';
import { ProtoDecodeError } from '../../src/remote/errors.js';
import { Prng } from '../helpers/prng.js';
import { fuzzSeeds } from './corpus.js';
import { lengthPrefixOffsets, mutate, MUTATIONS } from './mutate.js';
import { ambiguousOneof, fromDecoded, fromProtobufV1, fromProtobufV2, type NormRequest } from './normalize.js';
import { RequestV2, WriteRequestV1 } from './proto-schema.js';

/** Set when protobufjs read a 32-bit varint longer than 5 bytes since the last reset. */
let quirk = false;
const readerProto = protobuf.Reader.prototype as unknown as { uint32(this: protobuf.Reader): number };
const originalUint32 = readerProto.uint32;
readerProto.uint32 = function uint32(this: protobuf.Reader): number {
  const start = this.pos;
  try {
    return originalUint32.call(this);
  } finally {
    if (this.pos - start > 5) quirk = true;
  }
};

type Outcome = { ok: true; norm: NormRequest; ambiguous: boolean } | { ok: false; error: string };

function oracle(version: 1 | 2, body: Uint8Array): Outcome {
  try {
    const msg = (version === 1 ? WriteRequestV1 : RequestV2).decode(body) as unknown as Record<string, unknown>;
    const series = msg.timeseries as { histograms: Parameters<typeof ambiguousOneof>[0][] }[];
    const ambiguous = series.some((ts) => ts.histograms.some(ambiguousOneof));
    return { ok: true, norm: version === 1 ? fromProtobufV1(msg) : fromProtobufV2(msg), ambiguous };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}

function withoutHistograms(n: NormRequest): NormRequest {
  return { ...n, series: n.series.map((s) => ({ ...s, histograms: [] })) };
}

describe('decoder fuzzing against protobufjs', () => {
  const seeds = fuzzSeeds();

  it.each(seeds.map((s, i) => [s.name, i] as const))('mutations of %s', (_name, index) => {
    const seed = seeds[index]!;
    const rng = new Prng(0x5eed0000 + index);
    const warm = new WriteRequestDecoder();
    const prefixes = lengthPrefixOffsets(seed.body);
    expect(prefixes.length).toBeGreaterThan(0);
    const iterations = seed.body.length > 20000 ? 400 : 1500;
    const stats = { accepted: 0, rejected: 0, strictOnly: 0, quirks: 0 };

    for (let it = 0; it < iterations; it++) {
      const kind = MUTATIONS[it % MUTATIONS.length]!;
      const donor = seeds[rng.int(0, seeds.length - 1)]!.body;
      const body = mutate(rng, seed.body, donor, kind, prefixes);
      const context = `seed ${seed.name}, iteration ${it} (${kind})`;

      let hand: NormRequest | undefined;
      let handError: unknown;
      try {
        hand = fromDecoded(warm.decode(seed.version, body));
      } catch (err) {
        handError = err;
      }
      if (handError !== undefined) expect(handError, context).toBeInstanceOf(ProtoDecodeError);

      quirk = false;
      const pb = oracle(seed.version, body);
      if (quirk) {
        stats.quirks++;
        continue;
      }
      if (hand !== undefined) {
        stats.accepted++;
        expect(pb.ok, `${context}: protobufjs rejects what the hand decoder accepted`).toBe(true);
        if (!pb.ok) continue;
        expect(pb.ambiguous ? withoutHistograms(hand) : hand, context).toEqual(pb.ambiguous ? withoutHistograms(pb.norm) : pb.norm);
        expect(fromDecoded(new WriteRequestDecoder().decode(seed.version, body)), `${context}: warm and fresh decoders differ`).toEqual(hand);
      } else if (pb.ok) {
        stats.strictOnly++;
      } else {
        stats.rejected++;
      }
    }

    // The mutations must exercise both sides, or the agreement checks above prove little.
    expect(stats.accepted, JSON.stringify(stats)).toBeGreaterThan(iterations / 20);
    expect(stats.rejected, JSON.stringify(stats)).toBeGreaterThan(iterations / 20);
  });
});
