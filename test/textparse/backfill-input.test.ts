// The OpenMetrics file promtool 2.42 backfilled into the block fixtures (test/fixtures/blocks): reading it
// with our parser and printing what it yields the way `promtool tsdb dump` prints stored samples gives
// promtool's dump byte for byte: escapes, unicode, float spellings, NaN, -0, timestamps (float seconds
// to int64 milliseconds), the dropped empty label.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../src/format/index.js';
import { compareLabels, type Labels } from '../../src/model/labels.js';
import { Entry, OpenMetricsParser } from '../../src/textparse/index.js';
import { validateOpenMetrics } from '../../src/textparse/openmetrics-validator.js';

const BLOCKS = join(import.meta.dirname, '../fixtures/blocks');

describe('the backfill input of the block fixtures', () => {
  it('reads to the dump promtool printed for the blocks it built', () => {
    const body = gunzipSync(readFileSync(join(BLOCKS, 'input.om.gz')));
    const p = new OpenMetricsParser(body);
    const series = new Map<string, { labels: Labels; samples: Array<[number, string]> }>();
    let samples = 0;
    for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
      if (e !== Entry.Series) continue;
      expect(p.hasTimestamp()).toBe(true);
      const labels = p.labels().filter((l) => l.value !== ''); // the storage drops empty labels
      const key = formatLabels(labels);
      let s = series.get(key);
      if (!s) series.set(key, (s = { labels, samples: [] }));
      s.samples.push([p.timestamp(), formatGoFloat(p.value())]);
      samples++;
    }
    expect(samples).toBe(144_147);
    const lines: string[] = [];
    for (const s of [...series.values()].sort((a, b) => compareLabels(a.labels, b.labels))) {
      const key = formatLabels(s.labels);
      for (const [t, v] of s.samples.sort((a, b) => a[0] - b[0])) lines.push(`${key} ${v} ${t}`);
    }
    const dump = gunzipSync(readFileSync(join(BLOCKS, 'dump.txt.gz'))).toString('utf8');
    expect(lines.join('\n') + '\n' === dump).toBe(true);
  });

  it('is valid OpenMetrics for the strict validation too', () => {
    expect(() => validateOpenMetrics(gunzipSync(readFileSync(join(BLOCKS, 'input.om.gz'))))).not.toThrow();
  });
});
