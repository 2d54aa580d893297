// One shard of a queue (Go's queue + runShard): a FIFO of pending items, sent in batches of at
// most max_samples_per_send, or fewer once batch_send_deadline has passed since the oldest
// pending item arrived. One request in flight per shard, so every series (always in the same
// shard) reaches the upstream in WAL order. A batch that cannot be sent yet is retried with
// exponential backoff (min_backoff doubling up to max_backoff, or Retry-After) until it is
// stored or rejected for good; the WAL, not memory, is what holds the backlog.

import { ItemColumns, REPLAY } from './batch.js';

export interface ShardSettings {
  readonly capacity: number;
  readonly maxSamplesPerSend: number;
  readonly batchSendDeadlineMs: number;
}

/** What a shard asks of its queue: send a batch (with retries) and take the outcome. */
export interface ShardOwner {
  /** Sends items [0, n) of `items` until stored or rejected for good; false when stopped first. */
  sendBatch(shard: Shard, items: ItemColumns, n: number): Promise<boolean>;
  /** A batch was taken off the front of a shard. */
  acknowledged(): void;
}

export class Shard {
  readonly items = new ItemColumns(256);
  private firstPendingAt = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  private flushing = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private spaceWaiters: (() => void)[] = [];
  /** A batch is being sent (its items are still at the front of `items`). */
  sending = false;

  constructor(
    readonly index: number,
    private readonly settings: ShardSettings,
    private readonly owner: ShardOwner,
  ) {}

  get full(): boolean {
    return this.items.length >= this.settings.capacity;
  }

  get pending(): number {
    return this.items.length;
  }

  /** The read sequence of the oldest item not yet acknowledged, or Infinity. */
  get oldestSeq(): number {
    return this.items.length > 0 ? this.items.seqs[0]! : Infinity;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Resolves once the shard has room again. */
  space(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Called after items were pushed. */
  pushed(): void {
    if (this.items.length === 0) return;
    if (this.firstPendingAt === 0) {
      // The run loop arms the deadline timer when it looks again.
      this.firstPendingAt = Date.now();
      this.poke();
    } else if (this.items.length >= this.settings.maxSamplesPerSend) {
      this.poke();
    }
  }

  /** Sends everything pending without waiting for the deadline; resolves when the shard is empty or stopped. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.poke();
    while (!this.stopped && (this.items.length > 0 || this.sending)) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    this.flushing = false;
  }

  /** Stops after the batch in flight (whose send loop the owner aborts). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.poke();
    this.releaseWaiters();
    await this.running;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private releaseWaiters(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  /** How long to wait before the next batch is due: 0 now, Infinity while nothing is pending. */
  private waitMs(): number {
    const n = this.items.length;
    if (n === 0) return Infinity;
    if (this.flushing || n >= this.settings.maxSamplesPerSend) return 0;
    return Math.max(0, this.firstPendingAt + this.settings.batchSendDeadlineMs - Date.now());
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const wait = this.waitMs();
      if (wait > 0) {
        // The timer is armed here, from the time left, so it can never fire "too early" for the check.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (wait !== Infinity) this.timer = setTimeout(() => this.poke(), wait);
        });
        clearTimeout(this.timer);
        continue;
      }
      const n = this.batchLength();
      this.sending = true;
      const sent = await this.owner.sendBatch(this, this.items, n);
      this.sending = false;
      if (!sent) break;
      this.items.shift(n);
      // The deadline starts again for what is left (Go resets its batch timer after a send).
      this.firstPendingAt = this.items.length > 0 ? Date.now() : 0;
      this.owner.acknowledged();
      this.releaseWaiters();
    }
    this.releaseWaiters();
  }

  /** Up to max_samples_per_send items from the front, never mixing replayed and new items. */
  private batchLength(): number {
    const { kinds, length } = this.items;
    const max = Math.min(length, this.settings.maxSamplesPerSend);
    const replay = kinds[0]! & REPLAY;
    let n = 1;
    while (n < max && (kinds[n]! & REPLAY) === replay) n++;
    return n;
  }
}
