import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels, Matcher, openReadOnly, SelectorParseError } from '../../../src/index.js';
import { expectedDump, FIXTURE_DB, parseDump } from './dump-oracle.js';

describe('the library entry point (src/index.ts)', () => {
  it('lists blocks and selects series with their samples as columns, merged across blocks', async () => {
    const store = await openReadOnly(FIXTURE_DB);
    try {
      const blocks = store.blocks();
      expect(blocks.map((b) => [b.minTime, b.maxTime, b.stats.numSeries])).toEqual([
        [1686735433242, 1686736799937, 97],
        [1686736800333, 1686743999937, 98],
        [1686744000047, 1686751199937, 97],
        [1686751200333, 1686755233140, 96],
      ]);
      expect(blocks[0]!.sizeBytes).toBe(62890);
      expect(blocks[0]!.compaction.level).toBe(1);

      const lines = parseDump(expectedDump());
      const mint = 1686736000000;
      const maxt = 1686745000000;
      const got: string[] = [];
      let series = 0;
      for await (const s of store.select('{__name__="shop_queue_depth"}', { mint, maxt })) {
        series++;
        const { timestamps, values, length } = await s.samples();
        expect(timestamps).toBeInstanceOf(Float64Array);
        for (let i = 0; i < length; i++) {
          if (i > 0) expect(timestamps[i]!).toBeGreaterThan(timestamps[i - 1]!);
          got.push(`${formatLabels(s.labels)} ${formatGoFloat(values[i]!)} ${timestamps[i]}`);
        }
      }
      const expected = lines.filter((l) => l.labels.get('__name__') === 'shop_queue_depth' && l.t >= mint && l.t <= maxt).map((l) => l.text);
      expect(series).toBe(6);
      expect(got).toEqual(expected);
      expect(got.length).toBeGreaterThan(6 * 1000); // spans three blocks
    } finally {
      await store.close();
    }
  });

  it('accepts matchers as well as selector text, and streams batches', async () => {
    const store = await openReadOnly(FIXTURE_DB);
    try {
      let batches = 0;
      let samples = 0;
      for await (const s of store.select([new Matcher('=', '__name__', 'shop_constant'), new Matcher('=~', 'instance', '.+')])) {
        for await (const b of s.batches()) {
          batches++;
          samples += b.length;
        }
      }
      expect(samples).toBe(parseDump(expectedDump()).filter((l) => l.labels.get('__name__') === 'shop_constant').length);
      expect(batches).toBeGreaterThan(0);
      await expect(async () => {
        for await (const _ of store.select('{job=')) void _;
      }).rejects.toThrow(SelectorParseError);
    } finally {
      await store.close();
    }
  });

  it('rejects a directory that is not there', async () => {
    await expect(openReadOnly('/no/such/dir')).rejects.toThrow(/ENOENT/);
  });
});
