// The limits one query runs under: its sample budget (`--query.max-samples`), its deadline
// (`--query.timeout`) and the caller's AbortSignal. Evaluation is synchronous between steps, so the clock
// is read inside the loops (every CHECK_EVERY units of work) and the query gives the event loop a turn
// every YIELD_AFTER_MS, which is when an abort from elsewhere (a closed HTTP connection) can arrive.

import { QueryCanceledError, QueryTimeoutError, TooManySamplesError, type QueryPhase } from './errors.js';

const CHECK_EVERY = 4096;
const YIELD_AFTER_MS = 20;

export class QueryLimits {
  /** Samples the query holds now: the current step's intermediate values plus the output so far. */
  held = 0;
  private readonly deadline: number;
  private work = 0;
  private lastYield = performance.now();

  constructor(
    private readonly maxSamples: number,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.deadline = performance.now() + timeoutMs;
  }

  /** Counts `n` more samples held; throws TooManySamplesError past the budget. */
  take(n: number): void {
    this.held += n;
    if (this.held > this.maxSamples) throw new TooManySamplesError();
  }

  /** Records `units` of work (series visited) and checks the deadline once enough has accumulated. */
  tick(units: number): void {
    this.work += units + 1;
    if (this.work >= CHECK_EVERY) {
      this.work = 0;
      this.check();
    }
  }

  /** Throws when the query was aborted or is past its deadline. */
  check(phase: QueryPhase = 'expression evaluation'): void {
    if (this.signal?.aborted) throw new QueryCanceledError(phase);
    if (performance.now() > this.deadline) throw new QueryTimeoutError(phase);
  }

  /** Checks, and lets other tasks run when the query has had the thread for a while. */
  async pause(): Promise<void> {
    this.check();
    if (performance.now() - this.lastYield < YIELD_AFTER_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.check();
  }
}
