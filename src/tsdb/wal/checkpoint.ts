import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Encbuf } from '../encoding/encbuf.js';
import {
  RecordType, SampleColumns, decodeExemplars, decodeHistogramSamples, decodeMetadata, decodeSamples, decodeSeries,
  decodeTombstones, encodeExemplars, encodeHistogramSamples, encodeMetadata, encodeSamples, encodeSeries,
  encodeTombstones, recordType, type RefMetadata,
} from '../record/index.js';
import { WalReader } from './reader.js';
import { listSegments, segmentName, type SegmentRef } from './segment.js';
import { WalWriter } from './writer.js';

const PREFIX = 'checkpoint.';
/** Records are handed to the checkpoint writer in batches of about this many bytes. */
const BATCH_BYTES = 1024 * 1024;

export interface CheckpointRef {
  /** Path of the checkpoint directory. */
  readonly dir: string;
  /** The last WAL segment it covers. */
  readonly index: number;
}

/**
 * The checkpoints of a WAL directory in index order: directories named `checkpoint.<N>`;
 * other suffixes (`.tmp`) are ignored, a file with the prefix is an error (as in Prometheus).
 */
export function listCheckpoints(walDir: string): CheckpointRef[] {
  const refs: CheckpointRef[] = [];
  for (const entry of readdirSync(walDir, { withFileTypes: true })) {
    if (!entry.name.startsWith(PREFIX)) continue;
    if (!entry.isDirectory()) throw new Error(`checkpoint ${entry.name} is not a directory`);
    const suffix = entry.name.slice(PREFIX.length);
    if (!/^\d+$/.test(suffix)) continue;
    refs.push({ dir: join(walDir, entry.name), index: Number(suffix) });
  }
  return refs.sort((a, b) => a.index - b.index);
}

/** The newest checkpoint, if any. */
export function lastCheckpoint(walDir: string): CheckpointRef | undefined {
  const all = listCheckpoints(walDir);
  return all[all.length - 1];
}

/** Deletes every checkpoint with an index below `maxIndex`. */
export function deleteCheckpoints(walDir: string, maxIndex: number): void {
  for (const cp of listCheckpoints(walDir)) {
    if (cp.index >= maxIndex) break;
    rmSync(cp.dir, { recursive: true, force: true });
  }
}

export interface CheckpointOptions {
  /** Snappy-compress the checkpoint's records (use the WAL's own setting). Default true. */
  readonly compress?: boolean;
}

export interface CheckpointStats {
  totalSeries: number;
  droppedSeries: number;
  /** Float and histogram samples. */
  totalSamples: number;
  droppedSamples: number;
  totalTombstones: number;
  droppedTombstones: number;
  totalExemplars: number;
  droppedExemplars: number;
  totalMetadata: number;
  droppedMetadata: number;
}

/**
 * Writes `checkpoint.<to>` from the previous checkpoint (if any) and WAL segments [from, to]
 * (Go's wlog.Checkpoint), keeping series for which `keep(ref)` holds, samples, histograms and
 * exemplars with t >= mint, tombstones with an interval ending at or after mint, and the latest
 * metadata of kept series (one record at the end, by ref). Records are re-batched.
 *
 * Unlike 2.42, float histogram samples are kept (2.42 drops them: fixed in later versions);
 * out-of-order mmap markers and unknown types are dropped as in 2.42.
 *
 * Written to `checkpoint.<to>.tmp`, fsynced, then renamed. Reads synchronously but yields to the
 * event loop between batches. Any read or decode error fails the checkpoint (no repair).
 * Deleting the covered segments and older checkpoints is the caller's next step
 * (WalWriter.truncate(to + 1), deleteCheckpoints(dir, to)).
 */
export async function checkpoint(
  walDir: string,
  from: number,
  to: number,
  keep: (ref: number) => boolean,
  mint: number,
  opts: CheckpointOptions = {},
): Promise<CheckpointStats> {
  const segs: SegmentRef[] = [];
  const prev = lastCheckpoint(walDir);
  if (prev) {
    if (from > prev.index + 1) {
      throw new Error(`unexpected gap to last checkpoint: expected segment ${prev.index + 1}, requested ${from}`);
    }
    from = prev.index + 1;
    segs.push(...listSegments(prev.dir));
  }
  segs.push(...listSegments(walDir).filter((s) => s.index >= from && s.index <= to));

  const cpDir = join(walDir, PREFIX + segmentName(to));
  const tmpDir = `${cpDir}.tmp`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const out = WalWriter.open(tmpDir, { compress: opts.compress ?? true });
  const reader = new WalReader(segs);
  let done = false;
  try {
    const stats = await copyRecords(reader, out, keep, mint);
    await out.close();
    syncDir(tmpDir);
    rmSync(cpDir, { recursive: true, force: true });
    renameSync(tmpDir, cpDir);
    syncDir(dirname(cpDir));
    done = true;
    return stats;
  } finally {
    reader.close();
    if (!done) {
      await out.close().catch(() => undefined);
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }
}

async function copyRecords(
  reader: WalReader,
  out: WalWriter,
  keep: (ref: number) => boolean,
  mint: number,
): Promise<CheckpointStats> {
  const stats: CheckpointStats = {
    totalSeries: 0, droppedSeries: 0, totalSamples: 0, droppedSamples: 0, totalTombstones: 0,
    droppedTombstones: 0, totalExemplars: 0, droppedExemplars: 0, totalMetadata: 0, droppedMetadata: 0,
  };
  const buf = new Encbuf(BATCH_BYTES * 2);
  const bounds: number[] = [];
  const cols = new SampleColumns(1024);
  const latestMetadata = new Map<number, RefMetadata>();

  const flush = async (): Promise<void> => {
    const all = buf.get();
    const recs: Uint8Array[] = [];
    for (let i = 0; i < bounds.length; i += 2) recs.push(all.subarray(bounds[i]!, bounds[i + 1]!));
    if (recs.length > 0) out.log(recs);
    buf.reset();
    bounds.length = 0;
    // Checkpoints run beside ingestion: let the event loop breathe between batches.
    await new Promise((resolve) => setImmediate(resolve));
  };

  while (reader.next()) {
    const rec = reader.record();
    const start = buf.len;
    switch (recordType(rec)) {
      case RecordType.Series: {
        const series = decodeSeries(rec);
        const kept = series.filter((s) => keep(s.ref));
        if (kept.length > 0) encodeSeries(buf, kept);
        stats.totalSeries += series.length;
        stats.droppedSeries += series.length - kept.length;
        break;
      }
      case RecordType.Samples: {
        decodeSamples(rec, cols);
        const total = cols.length;
        const n = keepSamplesFrom(cols, mint);
        if (n > 0) encodeSamples(buf, cols.refs, cols.ts, cols.vs, 0, n);
        stats.totalSamples += total;
        stats.droppedSamples += total - n;
        break;
      }
      case RecordType.HistogramSamples:
      case RecordType.FloatHistogramSamples: {
        const hs = decodeHistogramSamples(rec);
        const kept = hs.filter((h) => h.t >= mint);
        if (kept.length > 0) encodeHistogramSamples(buf, kept, recordType(rec) === RecordType.FloatHistogramSamples);
        stats.totalSamples += hs.length;
        stats.droppedSamples += hs.length - kept.length;
        break;
      }
      case RecordType.Tombstones: {
        const stones = decodeTombstones(rec);
        const kept = stones.filter((s) => s.maxt >= mint);
        if (kept.length > 0) encodeTombstones(buf, kept);
        stats.totalTombstones += stones.length;
        stats.droppedTombstones += stones.length - kept.length;
        break;
      }
      case RecordType.Exemplars: {
        const exemplars = decodeExemplars(rec);
        const kept = exemplars.filter((e) => e.t >= mint);
        if (kept.length > 0) encodeExemplars(buf, kept);
        stats.totalExemplars += exemplars.length;
        stats.droppedExemplars += exemplars.length - kept.length;
        break;
      }
      case RecordType.Metadata: {
        const metadata = decodeMetadata(rec);
        let kept = 0;
        for (const m of metadata) {
          if (!keep(m.ref)) continue;
          if (!latestMetadata.has(m.ref)) kept++;
          latestMetadata.set(m.ref, m);
        }
        stats.totalMetadata += metadata.length;
        stats.droppedMetadata += metadata.length - kept;
        break;
      }
      default:
        // Mmap markers (WBL only) and types from later versions.
        break;
    }
    if (buf.len > start) bounds.push(start, buf.len);
    if (buf.len > BATCH_BYTES) await flush();
  }
  await flush();
  if (latestMetadata.size > 0) {
    encodeMetadata(buf, [...latestMetadata.values()].sort((a, b) => a.ref - b.ref));
    out.log([buf.get()]);
  }
  return stats;
}

/** Moves the samples with t >= mint to the front of the columns, in order; returns how many. */
function keepSamplesFrom(cols: SampleColumns, mint: number): number {
  const { refs, ts, vs } = cols;
  let n = 0;
  for (let i = 0; i < cols.length; i++) {
    if (ts[i]! < mint) continue;
    if (n !== i) {
      refs[n] = refs[i]!;
      ts[n] = ts[i]!;
      vs.copyWithin(n, i, i + 1); // a byte copy: NaN payloads survive
    }
    n++;
  }
  return n;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

