import { describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { ReadOnlyDB } from '../../../src/tsdb/block/db.js';
import { MAX_INT64, MIN_INT64 } from '../../../src/tsdb/encoding/int64.js';
import { dump, expectedDump, FIXTURE_DB, joinLines, parseDump } from './dump-oracle.js';

const ALL = parseSeriesSelector("{__name__=~'(?s:.*)'}");

describe('the promtool 2.42 fixture blocks', () => {
  it('opens four blocks whose metas, sizes and contents agree', async () => {
    const db = await ReadOnlyDB.open(FIXTURE_DB);
    try {
      expect(db.blocks.map((b) => b.ulid)).toEqual([
        '01M87X1JDRRPSPQC6QS2KG1QER',
        '01M87X1JRM3RJ0MJXRAA4W4XKD',
        '01M87X1K2Z1622Y3Z27CC96CDT',
        '01M87X1KE92W92H3KKWTYAMBCS',
      ]);
      expect(db.blocks.map((b) => b.size)).toEqual([62890, 259324, 258137, 150473]);
      for (const b of db.blocks) {
        const ids = b.index.allPostings();
        expect(ids.length).toBe(b.meta.stats.numSeries);
        expect(b.index.symbol(0)).toBe(''); // Prometheus's all-postings artifact
        let chunks = 0;
        let samples = 0;
        for (const id of ids) chunks += b.index.series(id).chunks.length;
        for await (const s of b.select(ALL, MIN_INT64, MAX_INT64)) for await (const batch of s.batches()) samples += batch.length;
        expect(chunks).toBe(b.meta.stats.numChunks);
        expect(samples).toBe(b.meta.stats.numSamples);
        expect(b.tombstones.intervalCount).toBe(0);
      }
      const index = db.blocks[0]!.index;
      expect(index.labelValues('__name__')).toContain('shop_edge_counter_total');
      expect(index.labelValues('no_such_label')).toEqual([]);
      const names = index.labelNames();
      expect(names[0]).toBe('__name__');
      expect(names).toContain('room');
      expect([...names].sort()).toEqual(names); // ASCII names: byte order is code unit order
      expect(index.postings('job', ['sensors', 'no-such-job']).length).toBe(8);
    } finally {
      await db.close();
    }
  });

  it('dumps byte for byte what promtool tsdb dump printed (144,147 lines)', async () => {
    const db = await ReadOnlyDB.open(FIXTURE_DB);
    try {
      const got = await dump(db, ALL, MIN_INT64, MAX_INT64);
      const expected = expectedDump();
      expect(got.length).toBe(expected.length);
      expect(got === expected).toBe(true);
    } finally {
      await db.close();
    }
  });

  describe('time ranges and matchers, against the expected dump filtered by hand', () => {
    const lines = parseDump(expectedDump());

    it.each([
      [1686735433242, 1686735433242], // the very first sample only
      [1686736799000, 1686736801000], // across the first block boundary
      [1686740000123, 1686748000456], // inside chunks on both ends, spanning a whole block
      [1686755233140, MAX_INT64], // the last sample
      [MIN_INT64, 1686735400000], // before everything
      [1686760000000, MAX_INT64], // after everything
      [1686745000000, 1686744000000], // empty (mint > maxt)
    ])('[%s, %s]', async (mint, maxt) => {
      const db = await ReadOnlyDB.open(FIXTURE_DB);
      try {
        const expected = joinLines(lines.filter((l) => l.t >= mint && l.t <= maxt));
        expect(await dump(db, ALL, mint, maxt)).toBe(expected);
      } finally {
        await db.close();
      }
    });

    it.each([
      ['{__name__=~"shop_.*", job!="shop-frontend"}', 61],
      ['shop_temperature_celsius{building=~".*\\u00a0.*"}', 1],
      ['{room=~"🚀.*"}', 1],
      ['{note=~"(?s).*line.*"}', 1],
      ['{__name__="shop_build_info", tags=""}', 1],
      ['{tags!=""}', 1],
      ['{handler=~".*[?&].*", code!~"5.."}', 2],
      ['{__name__=~"shop_(constant|ratio)", instance!~"a.*|"}', 10],
      ['{job=""}', 0],
      ['{}', 0],
      ['no_such_metric', 0],
    ])('%s selects %i series', async (selector, seriesCount) => {
      const matchers = parseSeriesSelector(selector);
      const db = await ReadOnlyDB.open(FIXTURE_DB);
      try {
        const selected = matchers.length === 0 ? [] : lines.filter((l) => matchers.every((m) => m.matches(l.labels.get(m.name) ?? '')));
        expect(new Set(selected.map((l) => l.labels)).size).toBe(seriesCount);
        expect(await dump(db, matchers, MIN_INT64, MAX_INT64)).toBe(joinLines(selected));
      } finally {
        await db.close();
      }
    });
  });
});
