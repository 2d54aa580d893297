import { execFileSync } from 'node:child_process';
import type { DB, DBOptions, DBStats, OpenDB } from '../../src/server/storage-seam.js';

export function findOnPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A storage stand-in that records how the server used it. */
export class FakeStorage {
  opened: DBOptions | undefined;
  closed = 0;
  stats: DBStats = { numSeries: 0, minTime: 2 ** 63, maxTime: -(2 ** 63), numChunks: 0, samplesAppended: 0 };
  private pending: Promise<void> = Promise.resolve();
  private releaseOpen: (() => void) | undefined;
  private failOpen: Error | undefined;

  /** Makes the next open wait for release(). */
  holdOpen(): void {
    this.pending = new Promise<void>((resolve) => (this.releaseOpen = resolve));
  }

  release(): void {
    this.releaseOpen?.();
  }

  failNextOpen(err: Error): void {
    this.failOpen = err;
  }

  readonly openDB: OpenDB = async (options) => {
    await this.pending;
    if (this.failOpen) throw this.failOpen;
    this.opened = options;
    const db: DB = {
      appendable: {
        appender: () => {
          throw new Error('the fake storage takes no samples');
        },
      },
      stats: () => this.stats,
      close: async () => {
        this.closed++;
      },
    };
    return db;
  };
}

/** Collects log lines written by the server's logger. */
export class LogCapture {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  get text(): string {
    return this.lines.join('');
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
