// One remote_write destination (Go's QueueManager), fed by a WAL watcher instead of by sample age:
// every item the WAL holds after the queue's saved position is sent once. Items go to shard
// `ref % shards`; each record read gets a sequence number, and the saved position advances to the
// newest record all of whose items were acknowledged (stored, or rejected for good, or dropped).
// Before a shard sends a batch, the batch's last item is saved as that shard's `inflight`; after
// the upstream answers, as its `acked` (see position.ts for how a restart uses both). The queue
// only reads when its shards have room: when the upstream is down, the backlog stays in the WAL
// and ingestion never waits.

import { statSync } from 'node:fs';
import type { RemoteWriteConfig } from '../../config/types.js';
import type { Labels } from '../../model/labels.js';
import type { SampleColumns } from '../../tsdb/record/samples.js';
import type { RefExemplar, RefHistogramSample, RefMetadata, RefSeries } from '../../tsdb/record/types.js';
import type { CheckpointRef } from '../../tsdb/wal/checkpoint.js';
import { listSegments } from '../../tsdb/wal/segment.js';
import { compressSync } from '../../native/snappy.js';
import { ItemColumns, Kind, REPLAY, kindAt, type OutgoingSeries } from './batch.js';
import type { WriteClient } from './client.js';
import { WriteRequestV1Encoder, WriteRequestV2Encoder, type ProtobufMessage } from './encode.js';
import type { QueueMetrics } from './metrics.js';
import { PositionStore, compareItems, comparePositions, type ItemPosition, type QueuePositionState, type WalPosition } from './position.js';
import { Shard, type ShardOwner } from './shard.js';
import { SeriesTable } from './series-table.js';
import { EWMA_WEIGHT, EwmaRate, desiredShards } from './shard-scaling.js';
import { WalWatcher, type WalRecordSink } from './wal-watcher.js';

/** The few logger methods the queue uses (pino's signature). */
export interface QueueLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface QueueManagerOptions {
  readonly config: RemoteWriteConfig;
  /** The remote_name label: the configured name, or the start of the configuration's hash. */
  readonly name: string;
  readonly externalLabels: Labels;
  readonly protobufMessage: ProtobufMessage;
  readonly walDir: string;
  /** Where the position file lives (one directory per destination). */
  readonly stateDir: string;
  readonly client: WriteClient;
  readonly metrics: QueueMetrics;
  readonly logger: QueueLogger;
  /** Told the newest timestamp of every record with items read from the WAL. */
  readonly onRead?: (maxTimestamp: number) => void;
  /** How often the shard count is reconsidered (Prometheus: 10 s). */
  readonly shardUpdateMs?: number;
  /** Fallback poll of the live WAL segment (default 250 ms). */
  readonly pollMs?: number;
}

const SHARD_UPDATE_MS = 10_000;

export class QueueManager implements WalRecordSink, ShardOwner {
  private readonly table: SeriesTable;
  /** A checkpoint whose dropped series are forgotten once the position has passed it. */
  private gcCheckpoint: CheckpointRef | undefined;
  private shards: Shard[] = [];
  private readonly store: PositionStore;
  private readonly watcher: WalWatcher;
  private readonly encoder: { encode: WriteRequestV1Encoder['encode'] };
  private readonly lookup = (ref: number): OutgoingSeries => this.table.get(ref)!;

  /** Records read and not yet wholly acknowledged: sequence numbers are consecutive from recFirstSeq. */
  private recSeg: number[] = [];
  private recOff: number[] = [];
  private recHead = 0;
  private recFirstSeq = 1;
  private nextSeq = 1;
  /** The record whose items are being queued, if one is. */
  private enqueuing: number | undefined;

  private low: WalPosition | undefined;
  private acked: (ItemPosition | null)[] = [];
  private inflight: (ItemPosition | null)[] = [];
  /** What the position file said at start: which items are already upstream, which may be. */
  private restored: QueuePositionState | undefined;
  /** The newest item position `restored` speaks about: past it, the rules are dropped. */
  private restoredEnd: WalPosition | undefined;

  private resharding: Promise<void> | undefined;
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  private shardTimer: NodeJS.Timeout | undefined;
  private lastSendMs = 0;
  private highestSent = 0;
  private readonly inRate: EwmaRate;
  private readonly outRate: EwmaRate;
  private readonly droppedRate: EwmaRate;
  private readonly outDuration: EwmaRate;
  /** For the backlog estimate: items and WAL bytes read. */
  private itemsRead = 0;
  private bytesRead = 0;
  private lastAt: WalPosition = { segment: -1, offset: 0 };

  constructor(private readonly opts: QueueManagerOptions) {
    const q = opts.config.queueConfig;
    this.table = new SeriesTable(opts.externalLabels, opts.config.writeRelabelConfigs);
    this.store = new PositionStore(opts.stateDir);
    try {
      this.restored = this.store.load();
    } catch (err) {
      // Written by rename, so only damage from outside gets here: forward the whole WAL again.
      opts.logger.error({ remote_name: opts.name, err: (err as Error).message }, 'Remote write position unreadable; forwarding the WAL from its start');
    }
    this.low = this.restored?.low;
    let n = q.minShards;
    // The same shard count as before a restart keeps the saved per-shard positions meaningful.
    if (this.restored && this.restored.shards >= q.minShards && this.restored.shards <= q.maxShards) n = this.restored.shards;
    else this.restored = this.restored && { ...this.restored, acked: [], inflight: [] };
    this.startShards(n);
    if (this.restored && this.restored.acked.length === n) {
      this.acked = [...this.restored.acked];
      this.inflight = [...this.restored.inflight];
      for (const p of [...this.acked, ...this.inflight]) {
        if (p && (this.restoredEnd === undefined || comparePositions(p, this.restoredEnd) > 0)) this.restoredEnd = p;
      }
    }
    if (this.restoredEnd === undefined) this.restored = undefined;
    this.encoder = opts.protobufMessage === 'prometheus.WriteRequest' ? new WriteRequestV1Encoder() : new WriteRequestV2Encoder();
    const interval = opts.shardUpdateMs ?? SHARD_UPDATE_MS;
    this.inRate = new EwmaRate(EWMA_WEIGHT, interval);
    this.outRate = new EwmaRate(EWMA_WEIGHT, interval);
    this.droppedRate = new EwmaRate(EWMA_WEIGHT, interval);
    this.outDuration = new EwmaRate(EWMA_WEIGHT, interval);
    const m = opts.metrics;
    m.shardsMax.set(q.maxShards);
    m.shardsMin.set(q.minShards);
    m.shardsDesired.set(0);
    m.shardCapacity.set(q.capacity);
    m.maxSamplesPerSend.set(q.maxSamplesPerSend);
    this.watcher = new WalWatcher({ walDir: opts.walDir, from: this.low, sink: this, pollMs: opts.pollMs });
  }

  start(): void {
    this.watcher.start();
    this.shardTimer = setInterval(() => this.updateShards(), this.opts.shardUpdateMs ?? SHARD_UPDATE_MS);
    this.shardTimer.unref();
  }

  /** The oldest WAL segment this queue still needs. */
  lowestSegment(): number {
    return this.low?.segment ?? Math.max(0, this.watcher.segment);
  }

  /** The saved position (everything before it is acknowledged), if any. */
  get position(): WalPosition | undefined {
    return this.low;
  }

  /**
   * Stops reading, sends what is pending for up to `flushDeadlineMs`, then stops the shards (a
   * batch still being retried is abandoned: the saved position brings it back after a restart).
   */
  async close(flushDeadlineMs: number): Promise<void> {
    clearInterval(this.shardTimer);
    const deadline = Date.now() + flushDeadlineMs;
    // Read to the end of the WAL (ingestion has stopped by now), then send it all, within the deadline.
    await this.watcher.drain(flushDeadlineMs);
    this.watcher.halt();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.shards.map((s) => s.flush())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.shards.map((s) => s.stop()));
    await this.resharding;
    await Promise.all(this.shards.map((s) => s.stop()));
    await this.watcher.stop();
    await this.store.close();
    this.opts.client.close();
    this.opts.metrics.remove();
  }

  /** Wakes the watcher (the WAL has grown). */
  notify(): void {
    this.watcher.notify();
  }

  // --- WalRecordSink ---

  series(series: RefSeries[], at: WalPosition): void {
    this.table.add(series, at.segment);
  }

  metadata(metadata: RefMetadata[]): void {
    this.table.setMetadata(metadata);
  }

  passed(at: WalPosition): void {
    this.beginRecord(at);
    this.endRecord(0, 0, 0, -Infinity);
  }

  samples(cols: SampleColumns, at: WalPosition): void | Promise<void> {
    const go = (): void | Promise<void> => this.enqueueSamples(cols, at, this.beginRecord(at), 0, 0);
    return this.resharding ? this.resharding.then(go) : go();
  }

  histograms(histograms: RefHistogramSample[], at: WalPosition): void | Promise<void> {
    if (!this.opts.config.sendNativeHistograms) return this.passed(at);
    const go = (): void | Promise<void> =>
      this.enqueueObjects(Kind.Histogram, histograms.map((h) => ({ ref: h.ref, t: h.t, obj: h.h })), at, this.beginRecord(at), 0, 0);
    return this.resharding ? this.resharding.then(go) : go();
  }

  exemplars(exemplars: RefExemplar[], at: WalPosition): void | Promise<void> {
    if (!this.opts.config.sendExemplars) return this.passed(at);
    const go = (): void | Promise<void> =>
      this.enqueueObjects(
        Kind.Exemplar,
        exemplars.map((e) => ({ ref: e.ref, t: e.t, obj: { labels: e.labels, value: e.value } })),
        at,
        this.beginRecord(at),
        0,
        0,
      );
    return this.resharding ? this.resharding.then(go) : go();
  }

  checkpointed(checkpoint: CheckpointRef): void {
    this.gcCheckpoint = checkpoint;
  }

  positionLost(position: WalPosition, checkpoint: CheckpointRef | undefined): void {
    this.restored = undefined;
    this.restoredEnd = undefined;
    this.low = undefined;
    this.acked.fill(null);
    this.inflight.fill(null);
    this.opts.logger.warn(
      { remote_name: this.opts.name, segment: position.segment, offset: position.offset, checkpoint: checkpoint?.index ?? null },
      checkpoint
        ? 'Remote write position is gone from the WAL (truncated by a checkpoint); forwarding the checkpoint, then the segments after it'
        : 'Remote write position is gone from the WAL; forwarding from the oldest segment',
    );
  }

  corruption(err: Error): void {
    this.opts.logger.error({ remote_name: this.opts.name, err: err.message }, 'Remote write WAL watcher skipped unreadable data');
  }

  // --- queueing ---

  private beginRecord(at: WalPosition): number {
    const seq = this.nextSeq++;
    this.recSeg.push(at.segment);
    this.recOff.push(at.offset);
    this.enqueuing = seq;
    if (at.segment === this.lastAt.segment) this.bytesRead += Math.max(0, at.offset - this.lastAt.offset);
    else this.bytesRead += at.offset;
    this.lastAt = at;
    return seq;
  }

  private endRecord(samples: number, exemplars: number, histograms: number, maxT: number): void {
    this.enqueuing = undefined;
    if (this.restoredEnd && comparePositions(this.lastAt, this.restoredEnd) >= 0) {
      this.restored = undefined;
      this.restoredEnd = undefined;
    }
    if (samples + exemplars + histograms > 0) this.opts.onRead?.(maxT);
    this.advance();
  }

  /** Whether item `index` of the record at `at`, for series `ref`, is new (0), to re-send alone (REPLAY), or already upstream. */
  private restoredRule(ref: number, at: WalPosition, index: number): number | 'skip' {
    const r = this.restored;
    if (r === undefined || r.acked.length === 0) return 0;
    const s = ref % r.shards;
    const item = { segment: at.segment, offset: at.offset, index };
    const acked = r.acked[s];
    if (acked && compareItems(item, acked) <= 0) return 'skip';
    const inflight = r.inflight[s];
    if (inflight && compareItems(item, inflight) <= 0) return REPLAY;
    return 0;
  }

  private enqueueSamples(cols: SampleColumns, at: WalPosition, seq: number, from: number, queuedBefore: number): void | Promise<void> {
    const vb = new Uint8Array(cols.vs.buffer, cols.vs.byteOffset, cols.length * 8);
    const n = this.shards.length;
    let queued = queuedBefore;
    for (let i = from; i < cols.length; i++) {
      if (this.stopping) break;
      const ref = cols.refs[i]!;
      if (!this.table.get(ref)) continue;
      const flags = this.restoredRule(ref, at, i);
      if (flags === 'skip') continue;
      // Resharding drains the shards: wait for the new ones rather than add to the old.
      if (this.resharding) return this.resharding.then(() => this.enqueueSamples(cols, at, seq, i, queued));
      const shard = this.shards[ref % n]!;
      if (shard.full) {
        this.opts.metrics.enqueueRetries.inc();
        return shard.space().then(() => this.enqueueSamples(cols, at, seq, i, queued));
      }
      shard.items.pushSample(ref, cols.ts[i]!, vb, i, seq, i, flags);
      shard.pushed();
      queued++;
    }
    let maxT = -Infinity;
    for (let i = 0; i < cols.length; i++) if (cols.ts[i]! > maxT) maxT = cols.ts[i]!;
    this.countRead(cols.length, queued, 'samples');
    this.endRecord(cols.length, 0, 0, maxT);
  }

  private enqueueObjects(
    kind: typeof Kind.Histogram | typeof Kind.Exemplar,
    list: { ref: number; t: number; obj: NonNullable<ItemColumns['objs'][number]> }[],
    at: WalPosition,
    seq: number,
    from: number,
    queuedBefore: number,
  ): void | Promise<void> {
    const n = this.shards.length;
    let queued = queuedBefore;
    for (let i = from; i < list.length; i++) {
      if (this.stopping) break;
      const { ref, t, obj } = list[i]!;
      if (!this.table.get(ref)) continue;
      const flags = this.restoredRule(ref, at, i);
      if (flags === 'skip') continue;
      if (this.resharding) return this.resharding.then(() => this.enqueueObjects(kind, list, at, seq, i, queued));
      const shard = this.shards[ref % n]!;
      if (shard.full) {
        this.opts.metrics.enqueueRetries.inc();
        return shard.space().then(() => this.enqueueObjects(kind, list, at, seq, i, queued));
      }
      shard.items.pushObject(kind, ref, t, obj, seq, i, flags);
      shard.pushed();
      queued++;
    }
    const maxT = list.reduce((m, x) => Math.max(m, x.t), -Infinity);
    const histograms = kind === Kind.Histogram;
    this.countRead(list.length, queued, histograms ? 'histograms' : 'exemplars');
    this.endRecord(0, histograms ? 0 : list.length, histograms ? list.length : 0, maxT);
  }

  private countRead(read: number, queued: number, what: 'samples' | 'exemplars' | 'histograms'): void {
    const m = this.opts.metrics;
    this.itemsRead += read;
    this.inRate.add(read);
    const dropped = read - queued;
    if (dropped > 0) {
      this.droppedRate.add(dropped);
      (what === 'samples' ? m.samplesDropped : what === 'exemplars' ? m.exemplarsDropped : m.histogramsDropped).inc(dropped);
    }
    if (queued > 0) (what === 'samples' ? m.samplesPending : what === 'exemplars' ? m.exemplarsPending : m.histogramsPending).inc(queued);
  }

  /** Moves the saved position past every record whose items are all acknowledged. */
  private advance(): void {
    let oldest = this.enqueuing ?? Infinity;
    for (const s of this.shards) oldest = Math.min(oldest, s.oldestSeq);
    let moved = false;
    while (this.recHead < this.recSeg.length && this.recFirstSeq + this.recHead < oldest) {
      const p = { segment: this.recSeg[this.recHead]!, offset: this.recOff[this.recHead]! };
      this.recHead++;
      // Records before a restored position are read again for their series: never move back.
      if (this.low !== undefined && comparePositions(p, this.low) <= 0) continue;
      this.low = p;
      moved = true;
    }
    if (this.recHead > 4096 && this.recHead * 2 > this.recSeg.length) {
      this.recSeg = this.recSeg.slice(this.recHead);
      this.recOff = this.recOff.slice(this.recHead);
      this.recFirstSeq += this.recHead;
      this.recHead = 0;
    }
    if (moved) this.store.writeLater(this.state());
    if (this.gcCheckpoint && this.low && this.low.segment > this.gcCheckpoint.index) this.collectSeries(this.gcCheckpoint);
  }

  /** Forgets the series a checkpoint dropped, once the position has passed it (nothing queued names them). */
  private collectSeries(cp: CheckpointRef): void {
    this.gcCheckpoint = undefined;
    try {
      this.table.collect(cp);
    } catch (err) {
      // A newer checkpoint replaced it: that one collects.
      this.opts.logger.warn({ remote_name: this.opts.name, checkpoint: cp.dir, err: (err as Error).message }, 'Remote write series garbage collection skipped');
    }
  }

  /** Writes the state now; a failure is logged (a lagging position only means items sent again). */
  private persist(): void {
    try {
      this.store.write(this.state());
    } catch (err) {
      this.opts.logger.error({ remote_name: this.opts.name, err: (err as Error).message }, 'Cannot save the remote write position');
    }
  }

  private itemPosition(seq: number, index: number): ItemPosition {
    const k = seq - this.recFirstSeq;
    return { segment: this.recSeg[k]!, offset: this.recOff[k]!, index };
  }

  private state(): QueuePositionState {
    return { low: this.low ?? { segment: 0, offset: 0 }, shards: this.shards.length, acked: [...this.acked], inflight: [...this.inflight] };
  }

  // --- sending (ShardOwner) ---

  async sendBatch(shard: Shard, items: ItemColumns, n: number): Promise<boolean> {
    // The shard scaling counts the whole work of a batch (saving, encoding, sending) once.
    const began = performance.now();
    const last = this.itemPosition(items.seqs[n - 1]!, items.idxs[n - 1]!);
    this.inflight[shard.index] = last;
    // The batch may reach the upstream only once a restart would know it might have.
    this.persist();
    if (this.stopping) return false;
    let samples = 0, exemplars = 0, histograms = 0, maxT = -Infinity;
    for (let i = 0; i < n; i++) {
      const k = kindAt(items, i);
      if (k === Kind.Sample) samples++;
      else if (k === Kind.Exemplar) exemplars++;
      else histograms++;
      if (k !== Kind.Exemplar && items.ts[i]! > maxT) maxT = items.ts[i]!;
    }
    let body: Uint8Array;
    try {
      body = compressSync(this.encoder.encode(items, 0, n, this.lookup));
    } catch (err) {
      this.opts.logger.error({ remote_name: this.opts.name, err: (err as Error).message }, 'Cannot encode a remote write batch; dropped');
      this.opts.metrics.samplesFailed.inc(samples);
      this.acked[shard.index] = last;
      return true;
    }
    const replay = (items.kinds[0]! & REPLAY) !== 0;
    const ok = await this.sendWithBackoff(body, samples, exemplars, histograms, replay, began);
    if (ok === undefined) return false;
    const m = this.opts.metrics;
    if (ok) {
      m.samplesTotal.inc(samples);
      m.exemplarsTotal.inc(exemplars);
      m.histogramsTotal.inc(histograms);
      m.bytesTotal.inc(body.length);
      if (maxT > this.highestSent) {
        this.highestSent = maxT;
        m.highestSentTimestamp.set(maxT / 1000);
      }
    }
    this.outRate.add(n);
    m.samplesPending.dec(samples);
    m.exemplarsPending.dec(exemplars);
    m.histogramsPending.dec(histograms);
    this.acked[shard.index] = last;
    return true;
  }

  acknowledged(): void {
    this.advance();
    this.store.writeLater(this.state());
  }

  /** true: stored; false: rejected for good (counted, logged); undefined: stopped first. */
  private async sendWithBackoff(
    body: Uint8Array, samples: number, exemplars: number, histograms: number, replay: boolean, workBegan: number,
  ): Promise<boolean | undefined> {
    const q = this.opts.config.queueConfig;
    const m = this.opts.metrics;
    let backoff = q.minBackoffMs;
    for (;;) {
      if (this.stopping) return undefined;
      const began = performance.now();
      const result = await this.opts.client.store(body);
      const seconds = (performance.now() - began) / 1000;
      m.sentBatchDuration.observe(seconds);
      this.outDuration.add((performance.now() - workBegan) / 1000);
      workBegan = performance.now();
      if (result.ok) {
        this.lastSendMs = Date.now();
        return true;
      }
      if (!result.recoverable) {
        m.samplesFailed.inc(samples);
        m.exemplarsFailed.inc(exemplars);
        m.histogramsFailed.inc(histograms);
        this.opts.logger.error(
          { remote_name: this.opts.name, url: this.opts.config.url, count: samples + exemplars + histograms, err: result.message, replayed: replay },
          replay
            ? 'non-recoverable error on a batch re-sent after a restart (the upstream may already have it)'
            : 'non-recoverable error',
        );
        return false;
      }
      const sleep = result.retryAfterMs > 0 ? result.retryAfterMs : backoff;
      if (result.retryAfterMs > 0) this.opts.logger.info({ remote_name: this.opts.name, duration: `${sleep}ms` }, 'Retrying after duration specified by Retry-After header');
      await this.sleep(sleep);
      m.samplesRetried.inc(samples);
      m.exemplarsRetried.inc(exemplars);
      m.histogramsRetried.inc(histograms);
      this.opts.logger.warn({ remote_name: this.opts.name, url: this.opts.config.url, err: result.message }, 'Failed to send batch, retrying');
      backoff = Math.min(sleep * 2, q.maxBackoffMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  // --- shards ---

  private startShards(n: number): void {
    const q = this.opts.config.queueConfig;
    const settings = { capacity: q.capacity, maxSamplesPerSend: q.maxSamplesPerSend, batchSendDeadlineMs: q.batchSendDeadlineMs };
    this.shards = Array.from({ length: n }, (_, i) => new Shard(i, settings, this));
    this.acked = new Array<ItemPosition | null>(n).fill(null);
    this.inflight = new Array<ItemPosition | null>(n).fill(null);
    for (const s of this.shards) s.start();
    this.opts.metrics.shards.set(n);
  }

  private updateShards(): void {
    for (const r of [this.inRate, this.outRate, this.droppedRate, this.outDuration]) r.tick();
    if (this.resharding || this.stopping) return;
    const q = this.opts.config.queueConfig;
    const pending = this.shards.reduce((sum, s) => sum + s.pending, 0);
    const decision = desiredShards({
      current: this.shards.length,
      minShards: q.minShards,
      maxShards: q.maxShards,
      inRate: this.inRate.rate(),
      outRate: this.outRate.rate(),
      droppedRate: this.droppedRate.rate(),
      outDurationRate: this.outDuration.rate(),
      backlog: pending + this.unreadWalItems(),
    });
    this.opts.metrics.shardsDesired.set(decision.desired);
    if (decision.shards === this.shards.length) return;
    // As Prometheus: no resharding while the upstream has not taken anything for a while.
    if (Date.now() - this.lastSendMs > 2 * q.batchSendDeadlineMs) return;
    this.resharding = this.reshard(decision.shards).finally(() => (this.resharding = undefined));
  }

  /** Items estimated to wait in the WAL beyond the read position. */
  private unreadWalItems(): number {
    if (this.bytesRead === 0 || this.lastAt.segment < 0) return 0;
    let unread = 0;
    try {
      for (const s of listSegments(this.opts.walDir)) {
        if (s.index < this.lastAt.segment) continue;
        const size = statSync(`${s.dir}/${s.name}`).size;
        unread += s.index === this.lastAt.segment ? Math.max(0, size - this.lastAt.offset) : size;
      }
    } catch {
      return 0;
    }
    return (unread * this.itemsRead) / this.bytesRead;
  }

  /** Drains the shards, then starts `n` new ones (Go's shards.stop + start). */
  private async reshard(n: number): Promise<void> {
    this.opts.logger.info({ remote_name: this.opts.name, from: this.shards.length, to: n }, 'Remote storage resharding');
    await Promise.all(this.shards.map((s) => s.flush()));
    if (this.stopping) return;
    await Promise.all(this.shards.map((s) => s.stop()));
    // Drained: every item read is acknowledged, so the old per-shard positions say nothing more.
    // (Rules restored from before a restart keep their own shard count and stay.)
    this.startShards(n);
    this.persist();
  }
}
