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

  /** Writes everything gathered, waiting while the stream is over its buffer limit. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    const ok = this.stream.write(text);
    if (!ok) await this.drained();
    if (this.failure) throw this.failure;
  }

  /** Flushes and stops listening for errors. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.stream.off('error', this.onError);
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }
}
