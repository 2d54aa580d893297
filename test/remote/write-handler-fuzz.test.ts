// Mutated bodies through the whole handler: whatever arrives, the answer is a status with a
// plain-text message, the server keeps serving, and a 1.0 request that is refused leaves no
// trace in storage unless the refusal names series it skipped (the only partial 1.0 write).

import { describe, expect, it } from 'vitest';
import { Prng } from '../helpers/prng.js';
import { fuzzSeeds } from './corpus.js';
import { fixtureBody } from './fixtures.js';
import { compress, post, V1_HEADERS, V2_HEADERS, writeServer } from './handler-helpers.js';
import { MemoryAppendable } from './memory-appendable.js';
import { lengthPrefixOffsets, mutate, MUTATIONS } from './mutate.js';

describe('remote write handler fuzzing', () => {
  it('answers every mutated request with a status and a message, and stays up', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db, { maxDecodedBytes: 1 << 20 });
    const seeds = fuzzSeeds();
    const rng = new Prng(0xf00d);
    const statuses = new Map<number, number>();

    for (let it = 0; it < 1200; it++) {
      const seed = seeds[it % seeds.length]!;
      const kind = MUTATIONS[rng.int(0, MUTATIONS.length - 1)]!;
      const donor = seeds[rng.int(0, seeds.length - 1)]!.body;
      // Mostly the protobuf is mutated and then compressed; sometimes the snappy block itself.
      const compressed = rng.chance(0.8)
        ? compress(mutate(rng, seed.body, donor, kind, lengthPrefixOffsets(seed.body)))
        : mutate(rng, compress(seed.body), donor, kind, []);
      // Mostly against an empty store, so that requests are not all out of order.
      if (rng.chance(0.9)) db.clear();
      const before = db.totalSamples();
      const commits = db.commits;
      const res = await post(app, compressed, seed.version === 1 ? V1_HEADERS : V2_HEADERS);
      const context = `iteration ${it} (${seed.name}, ${kind}): ${res.statusCode} ${res.body}`;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);

      expect([204, 400, 500], context).toContain(res.statusCode);
      if (res.statusCode === 204) {
        expect(res.body, context).toBe('');
      } else {
        expect(res.body, context).toMatch(/^[^\n].*\n$/s);
        expect(res.headers['content-type'], context).toBe('text/plain; charset=utf-8');
      }
      if (seed.version === 2) {
        expect(res.headers['x-prometheus-remote-write-samples-written'], context).toMatch(/^\d+$/);
      } else if (res.statusCode !== 204) {
        const skippedSeries = res.body.split('\n').slice(0, -1).every((line) => line.startsWith('invalid labels for series '));
        if (db.commits > commits) expect(skippedSeries, context).toBe(true);
        else expect(db.totalSamples(), context).toBe(before);
      }
    }
    // The fuzzing reached both the storage (204) and the refusals (400).
    expect((statuses.get(204) ?? 0) > 50 && (statuses.get(400) ?? 0) > 50, JSON.stringify([...statuses])).toBe(true);

    // Still serving: a real request on a fresh store goes through.
    const fresh = await writeServer(new MemoryAppendable());
    expect((await post(fresh, fixtureBody('000'))).statusCode).toBe(204);
    expect((await post(app, compress(new Uint8Array(0)))).statusCode).toBe(204);
  });
});
