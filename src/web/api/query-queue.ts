// --query.max-concurrency: at most that many queries run at once; the others wait in arrival order, as
// Prometheus's ActiveQueryTracker makes them wait. A wait ends early when the query's signal fires, with
// 2.42's "query timed out in query queue" or "query was canceled in query queue".

import { ApiError } from './respond.js';

export class QueryQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** `limit` <= 0: no limit. */
  constructor(private readonly limit: number) {}

  /** Runs `fn` once a slot is free; `isTimeout` tells a deadline from a client that went away. */
  async run<T>(signal: AbortSignal, isTimeout: () => boolean, fn: () => Promise<T>): Promise<T> {
    if (this.limit > 0) {
      if (this.running >= this.limit) await this.wait(signal, isTimeout);
      this.running++;
    }
    try {
      return await fn();
    } finally {
      if (this.limit > 0) {
        this.running--;
        this.waiting.shift()?.();
      }
    }
  }

  private wait(signal: AbortSignal, isTimeout: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(isTimeout()
          ? new ApiError('timeout', 'query timed out in query queue')
          : new ApiError('canceled', 'query was canceled in query queue'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }
}
