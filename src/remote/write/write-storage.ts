// The remote-write side of the storage (Go's remote.WriteStorage): one queue per `remote_write`
// entry, each tailing the WAL on its own. applyConfig keeps the queues whose configuration (and
// the external labels) did not change, closes the others and starts the new ones; a queue for the
// same destination (url and name) continues from the position its predecessor saved.
//
// WAL retention: lowestSegment() tells the DB the oldest segment a queue still needs, so that a
// truncation does not delete what has not been forwarded yet. It is bounded: a queue never holds
// back more than `maxRetainedSegments` segments behind the newest one; beyond that the DB
// truncates as usual and the queue, finding its position gone, forwards the checkpoint instead.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { PrometheusConfig, RemoteWriteConfig } from '../../config/types.js';
import type { Labels } from '../../model/labels.js';
import { segmentRange } from '../../tsdb/wal/segment.js';
import { RemoteWriteClient, type RemoteWriteClientOptions, type WriteClient } from './client.js';
import { requestHeaders } from './encode.js';
import { RemoteWriteMetrics } from './metrics.js';
import { comparePositions, type WalPosition } from './position.js';
import { QueueManager, type QueueLogger } from './queue-manager.js';

export interface RemoteWriteStorageOptions {
  readonly walDir: string;
  /** Queue positions live in `<dataDir>/remote-write/<destination hash>/position`. */
  readonly dataDir: string;
  readonly logger: QueueLogger;
  /** Where the prometheus_remote_storage_* metrics go (a fresh registry when absent). */
  readonly registry?: Registry;
  /** How long close() and a configuration change let queues send what is pending (default 1m). */
  readonly flushDeadlineMs?: number;
  /** How far (in segments) a lagging queue may hold back WAL truncation (default 64). */
  readonly maxRetainedSegments?: number;
  /** Builds the HTTP client (tests pass fakes). */
  readonly newClient?: (options: RemoteWriteClientOptions) => WriteClient;
  readonly shardUpdateMs?: number;
  readonly pollMs?: number;
}

interface RunningQueue {
  readonly key: string;
  readonly queue: QueueManager;
}

const DEFAULT_FLUSH_DEADLINE_MS = 60_000;
const DEFAULT_MAX_RETAINED_SEGMENTS = 64;

export class RemoteWriteStorage {
  readonly metrics: RemoteWriteMetrics;
  private queues = new Map<string, RunningQueue>();
  private highestTimestamp = -Infinity;
  private applying: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: RemoteWriteStorageOptions) {
    this.metrics = new RemoteWriteMetrics(opts.registry);
  }

  /** The running queues, by destination. */
  get queueList(): readonly QueueManager[] {
    return [...this.queues.values()].map((q) => q.queue);
  }

  /** Applies the remote_write section and external labels; changes are applied one at a time. */
  applyConfig(config: PrometheusConfig): Promise<void> {
    const next = this.applying.then(() => this.apply(config));
    this.applying = next.catch(() => undefined);
    return next;
  }

  private async apply(config: PrometheusConfig): Promise<void> {
    if (this.closed) throw new Error('remote write storage is closed');
    const external = config.global.externalLabels;
    const wanted = new Map<string, { entry: RemoteWriteConfig; key: string; name: string }>();
    const hashes = new Set<string>();
    for (const entry of config.remoteWrite) {
      const hash = configHash(entry, external);
      if (hashes.has(hash)) throw new Error(`duplicate remote write configs are not allowed, found duplicate for URL: ${entry.url}`);
      hashes.add(hash);
      // Unnamed entries for the same url are told apart by their order.
      let k = 0;
      while (wanted.has(destinationHash(entry, k))) k++;
      wanted.set(destinationHash(entry, k), { entry, key: hash, name: entry.name !== '' ? entry.name : hash.slice(0, 6) });
    }
    const next = new Map<string, RunningQueue>();
    const stopping: Promise<void>[] = [];
    for (const [destination, running] of this.queues) {
      const w = wanted.get(destination);
      if (w !== undefined && w.key === running.key) next.set(destination, running);
      else stopping.push(running.queue.close(this.flushDeadline));
    }
    // A changed queue saves its position before its successor reads it.
    await Promise.all(stopping);
    for (const [destination, { entry, key, name }] of wanted) {
      if (next.has(destination)) continue;
      const queue = this.newQueue(entry, name, external, destination);
      next.set(destination, { key, queue });
      queue.start();
    }
    this.queues = next;
  }

  private get flushDeadline(): number {
    return this.opts.flushDeadlineMs ?? DEFAULT_FLUSH_DEADLINE_MS;
  }

  private newQueue(entry: RemoteWriteConfig, name: string, external: Labels, destination: string): QueueManager {
    const protobufMessage = entry.protobufMessage;
    const clientOptions: RemoteWriteClientOptions = {
      url: entry.url,
      timeoutMs: entry.remoteTimeoutMs,
      headers: entry.headers,
      httpClient: entry.httpClient,
      retryOnRateLimit: entry.queueConfig.retryOnRateLimit,
      protocolHeaders: requestHeaders(protobufMessage),
    };
    const unsupported = [
      entry.sigv4 && 'sigv4',
      entry.httpClient.oauth2 && 'oauth2',
      entry.httpClient.proxyUrl !== '' && 'proxy_url',
    ].filter(Boolean);
    if (unsupported.length > 0) {
      this.opts.logger.warn({ remote_name: name, url: entry.url, settings: unsupported.join(',') }, 'Remote write settings not supported by promwasm are ignored');
    }
    return new QueueManager({
      config: entry,
      name,
      externalLabels: external,
      protobufMessage,
      walDir: this.opts.walDir,
      stateDir: join(this.opts.dataDir, 'remote-write', destination),
      client: (this.opts.newClient ?? ((o) => new RemoteWriteClient(o)))(clientOptions),
      metrics: this.metrics.forQueue(name, redactedUrl(entry.url)),
      logger: this.opts.logger,
      onRead: (maxT) => this.onRead(maxT),
      shardUpdateMs: this.opts.shardUpdateMs,
      pollMs: this.opts.pollMs,
    });
  }

  /** The newest timestamp any queue read from the WAL (what Prometheus's appender tracks). */
  private onRead(maxT: number): void {
    if (maxT > this.highestTimestamp) {
      this.highestTimestamp = maxT;
      this.metrics.highestTimestamp.set(maxT / 1000);
    }
  }

  /** The lowest saved position over all queues (undefined without queues or positions). */
  lowestPosition(): WalPosition | undefined {
    let low: WalPosition | undefined;
    for (const { queue } of this.queues.values()) {
      const p = queue.position;
      if (p !== undefined && (low === undefined || comparePositions(p, low) < 0)) low = p;
    }
    return low;
  }

  /**
   * The oldest WAL segment the DB must keep for the queues (the retention hook), bounded by
   * maxRetainedSegments; undefined when no queue needs anything.
   */
  lowestSegment(): number | undefined {
    if (this.queues.size === 0) return undefined;
    let low = Infinity;
    for (const { queue } of this.queues.values()) low = Math.min(low, queue.lowestSegment());
    const range = segmentRange(this.opts.walDir);
    if (range === undefined) return low;
    return Math.max(low, range.last - (this.opts.maxRetainedSegments ?? DEFAULT_MAX_RETAINED_SEGMENTS));
  }

  /** Wakes the queues' watchers (the WAL has grown); they also notice on their own. */
  notify(): void {
    for (const { queue } of this.queues.values()) queue.notify();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.applying;
    this.closed = true;
    await Promise.all([...this.queues.values()].map((q) => q.queue.close(this.flushDeadline)));
    this.queues.clear();
  }
}

/** A stable hash of everything that shapes what a queue sends (relabel rules by their text). */
function configHash(entry: RemoteWriteConfig, external: Labels): string {
  const text = JSON.stringify({ entry, external }, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value !== null && typeof value === 'object' && 'source' in value && 'groupNames' in value) return (value as { source: string }).source;
    return value;
  });
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The destination: url and name (and, for several entries with both equal, which one). Its
 * position survives changes of every other setting.
 */
function destinationHash(entry: RemoteWriteConfig, occurrence: number): string {
  const id = occurrence === 0 ? `${entry.url}\n${entry.name}` : `${entry.url}\n${entry.name}\n${occurrence}`;
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

/** The url without a password, as Go's URL.Redacted (metrics labels never carry secrets). */
function redactedUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:xxxxx@');
}
