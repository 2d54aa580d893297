// Durable file writing for block files: a buffered sequential writer that fsyncs on close, directory
// fsync, and the write-temporary-then-rename dance (Prometheus's index.FileWriter and fileutil.Replace).

import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const DEFAULT_BUFFER = 1 << 20;

/**
 * Writes a new file front to back through one buffer. `pos` counts every byte written so far, so writers
 * lay out offsets as they go; the file is fsynced when closed. Never reads back or seeks.
 */
export class BufferedFileWriter {
  private readonly buffer: Uint8Array;
  private used = 0;
  private closed = false;
  /** Bytes written so far (buffered or not): the offset of the next byte. */
  pos = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    bufferSize: number,
  ) {
    this.buffer = new Uint8Array(bufferSize);
  }

  /** Creates `path`, which must not exist yet. */
  static async create(path: string, bufferSize = DEFAULT_BUFFER): Promise<BufferedFileWriter> {
    return new BufferedFileWriter(path, await open(path, 'wx'), bufferSize);
  }

  /** Appends the bytes; large ones bypass the buffer. */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.buffer.length - this.used) {
      await this.flush();
      if (bytes.length >= this.buffer.length) {
        await this.writeFully(bytes);
        this.pos += bytes.length;
        return;
      }
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
    this.pos += bytes.length;
  }

  /** Appends zero bytes up to the next multiple of `alignment`. */
  async pad(alignment: number): Promise<void> {
    const rest = this.pos % alignment;
    if (rest !== 0) await this.write(new Uint8Array(alignment - rest));
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.writeFully(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async writeFully(bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
  }

  /** Flushes, fsyncs and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    await this.handle.sync();
    this.closed = true;
    await this.handle.close();
  }

  /** Closes without flushing (after a failure); the caller removes the file. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

/** fsyncs a directory, making the creation, removal and renaming of its entries durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the directory, so that
 * readers see the old file or the complete new one (Prometheus's meta.json and tombstones writes).
 * Returns the number of bytes written.
 */
export async function writeFileAtomically(path: string, bytes: Uint8Array): Promise<number> {
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx');
  try {
    for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await rename(tmp, path);
  await syncDir(dirname(path));
  return bytes.length;
}
