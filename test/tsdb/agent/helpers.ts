// Reading an agent's WAL back, record by record, for assertions.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Labels } from '../../../src/model/labels.js';
import { replayWal } from '../../../src/tsdb/wal/index.js';
import type { RefExemplar, RefHistogramSample } from '../../../src/tsdb/record/index.js';
import { AgentDB, type AgentOptions } from '../../../src/tsdb/agent/index.js';

export interface WalSample {
  ref: number;
  t: number;
  /** The value's bits as hex, so NaN payloads compare exactly. */
  bits: string;
}

export interface WalContents {
  series: Map<number, Labels>;
  /** Series records in WAL order (a ref may appear more than once). */
  seriesOrder: number[];
  samples: WalSample[];
  histograms: RefHistogramSample[];
  exemplars: RefExemplar[];
  checkpoint: number | undefined;
}

export function bitsOf(v: number | Float64Array, i = 0): string {
  const f = v instanceof Float64Array ? v.subarray(i, i + 1) : Float64Array.of(v);
  return new DataView(f.buffer, f.byteOffset, 8).getBigUint64(0, true).toString(16).padStart(16, '0');
}

/** Everything the WAL directory holds (newest checkpoint, then segments). */
export function readWal(walDir: string): WalContents {
  const out: WalContents = { series: new Map(), seriesOrder: [], samples: [], histograms: [], exemplars: [], checkpoint: undefined };
  const result = replayWal(walDir, {
    series(records) {
      for (const { ref, labels } of records) {
        out.series.set(ref, labels);
        out.seriesOrder.push(ref);
      }
    },
    samples(cols) {
      for (let i = 0; i < cols.length; i++) {
        // Samples must follow the Series record of their ref.
        if (!out.series.has(cols.refs[i]!)) throw new Error(`sample for ref ${cols.refs[i]} before its series record`);
        out.samples.push({ ref: cols.refs[i]!, t: cols.ts[i]!, bits: bitsOf(cols.vs, i) });
      }
    },
    histograms(hs) {
      out.histograms.push(...hs);
    },
    exemplars(es) {
      out.exemplars.push(...es);
    },
  });
  out.checkpoint = result.checkpoint;
  return out;
}

export function labels(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens an agent whose truncation interval never fires during a test, with a movable clock. */
export async function openTestAgent(dir: string, extra: Partial<AgentOptions> = {}): Promise<AgentDB> {
  return AgentDB.open({ dir, walCompression: true, truncateFrequencyMs: 3_600_000, ...extra });
}
