// Buffered text output for commands that print a lot (tsdb dump): lines are gathered into large chunks
// and written with backpressure; a reader that goes away (EPIPE, e.g. `| head`) ends the command quietly.

import type { Writable } from 'node:stream';

/** The reader of our output has gone away; not an error worth reporting. */
export class BrokenPipeError extends Error {
  override readonly name = 'BrokenPipeError';
}

const DEFAULT_CHUNK = 1 << 20;

export class BufferedOutput {
  private pending = '';
  private failure: Error | undefined;
  private readonly onError = (e: NodeJS.ErrnoException): void => {
    this.failure = e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' ? new BrokenPipeError(e.message) : e;
  };

  constructor(
    private readonly stream: Writable,
    private readonly chunkSize = DEFAULT_CHUNK,
  ) {
    stream.on('error', this.onError);
  }

  /** Appends text; call `flushIfFull` regularly so that memory stays bounded. */
  write(text: string): void {
    this.pending += text;
  }

  /** Writes the gathered text once it reaches the chunk size. */
  async flushIfFull(): Promise<void> {
    if (this.pending.length >= this.chunkSize) await this.flush();
  }

  /**
   * Writes everything gathered and waits until the stream has taken it (its callback), so memory stays
   * bounded by the chunk size and a failed write is known before the next one.
   */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    await new Promise<void>((resolve) =>
      this.stream.write(text, (err) => {
        if (err) this.onError(err);
        resolve();
      }),
    );
    if (this.failure) throw this.failure;
  }

  /** Flushes, then stops listening for errors once any error of the last write has been delivered. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await new Promise((resolve) => setImmediate(resolve));
      this.stream.off('error', this.onError);
    }
  }
}
