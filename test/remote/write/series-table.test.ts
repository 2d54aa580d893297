// The series a queue sends: external labels (the series' own win), write relabeling (drop, replace,
// hashmod), and the garbage collection of series a checkpoint dropped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { SeriesTable } from '../../../src/remote/write/series-table.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeSeries } from '../../../src/tsdb/record/index.js';
import { checkpoint, lastCheckpoint } from '../../../src/tsdb/wal/checkpoint.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-series-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function relabelConfigs(yaml: string) {
  return parseConfig(`remote_write:\n  - url: http://x\n    write_relabel_configs:\n${yaml}`, 't.yml').prometheus.remoteWrite[0]!.writeRelabelConfigs;
}

describe('SeriesTable', () => {
  it('merges external labels under the series\' own, then relabels', () => {
    const table = new SeriesTable(labelsFromRecord({ cluster: 'c1', region: 'eu' }), relabelConfigs([
      "      - {source_labels: [__name__], regex: 'drop_.*', action: drop}",
      '      - {source_labels: [region], target_label: zone, replacement: "${1}-1"}',
      '      - {regex: region, action: labeldrop}',
    ].join('\n')));
    table.add([
      { ref: 1, labels: labelsFromRecord({ __name__: 'up', cluster: 'mine' }) },
      { ref: 2, labels: labelsFromRecord({ __name__: 'drop_me' }) },
    ], 0);
    expect(table.get(1)!.labels).toEqual(labelsFromRecord({ __name__: 'up', cluster: 'mine', zone: 'eu-1' }));
    expect(table.get(2)).toBeNull();
    expect(table.get(3)).toBeUndefined();
    table.setMetadata([{ ref: 1, meta: { type: 'counter', help: 'h', unit: '' } }]);
    expect(table.get(1)!.metadata).toEqual({ type: 'counter', help: 'h', unit: '' });
  });

  it('forgets series a checkpoint dropped, keeps the ones it kept and newer ones', async () => {
    const dir = join(root, 'gc');
    const w = WalWriter.open(dir);
    const rec = (refs: number[]): Uint8Array => {
      const b = new Encbuf(256);
      encodeSeries(b, refs.map((ref) => ({ ref, labels: labelsFromRecord({ __name__: 'm', r: String(ref) }) })));
      return b.get().slice();
    };
    w.log([rec([1, 2, 3])]);
    w.nextSegment();
    w.log([rec([4])]);
    w.nextSegment();
    await w.close();
    await checkpoint(dir, 0, 1, (ref) => ref === 1 || ref === 4, 0);
    const table = new SeriesTable([], []);
    table.add([1, 2, 3].map((ref) => ({ ref, labels: labelsFromRecord({ r: String(ref) }) })), 0);
    table.add([{ ref: 4, labels: labelsFromRecord({ r: '4' }) }], 1);
    table.add([{ ref: 5, labels: labelsFromRecord({ r: '5' }) }], 2);
    expect(table.collect(lastCheckpoint(dir)!)).toBe(2);
    expect([1, 2, 3, 4, 5].map((r) => table.get(r) !== undefined)).toEqual([true, false, false, true, true]);
  });
});
