// How many shards a queue wants (Go's QueueManager.calculateDesiredShards): the time one item
// takes to send, times the items coming in plus 5% of the backlog per second, with a 30%
// tolerance band so the count does not flap. Prometheus estimates the backlog from timestamps
// (newest appended minus newest sent); a queue that reads by WAL position knows it better: the
// items waiting in its shards plus the unread WAL bytes at the observed items-per-byte.

/** Go's ewmaRate: an exponentially weighted per-second rate, ticked at a fixed interval. */
export class EwmaRate {
  private rateValue = 0;
  private events = 0;
  private init = false;

  constructor(private readonly alpha: number, private readonly intervalMs: number) {}

  add(n: number): void {
    this.events += n;
  }

  rate(): number {
    return this.rateValue;
  }

  tick(): void {
    const instant = this.events / (this.intervalMs / 1000);
    this.events = 0;
    if (this.init) this.rateValue += this.alpha * (instant - this.rateValue);
    else if (instant > 0) {
      this.init = true;
      this.rateValue = instant;
    }
  }
}

export const EWMA_WEIGHT = 0.2;
export const SHARD_TOLERANCE_FRACTION = 0.3;

export interface ShardInputs {
  readonly current: number;
  readonly minShards: number;
  readonly maxShards: number;
  /** Items per second read from the WAL, sent, and dropped (relabelled away, unknown series). */
  readonly inRate: number;
  readonly outRate: number;
  readonly droppedRate: number;
  /** Seconds spent sending per second. */
  readonly outDurationRate: number;
  /** Items read but not yet sent, plus the estimated items in the unread WAL. */
  readonly backlog: number;
}

export interface ShardDecision {
  /** The unrounded estimate (the shards_desired gauge). */
  readonly desired: number;
  readonly shards: number;
}

export function desiredShards(s: ShardInputs): ShardDecision {
  if (s.outRate <= 0) return { desired: s.current, shards: s.current };
  const keptRatio = s.outRate / (s.droppedRate + s.outRate);
  const timePerItem = s.outDurationRate / s.outRate;
  const desired = timePerItem * (s.inRate * keptRatio + 0.05 * s.backlog);
  const lower = s.current * (1 - SHARD_TOLERANCE_FRACTION);
  const upper = s.current * (1 + SHARD_TOLERANCE_FRACTION);
  const rounded = Math.ceil(desired);
  if (lower <= rounded && rounded <= upper) return { desired, shards: s.current };
  let shards = rounded;
  // Do not scale down while more than ten seconds of input are waiting.
  if (shards < s.current && s.inRate > 0 && s.backlog / s.inRate > 10) return { desired, shards: s.current };
  shards = Math.min(s.maxShards, Math.max(s.minShards, shards));
  return { desired, shards };
}
