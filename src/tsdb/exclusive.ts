// One operation at a time: head compaction, delete_series, clean_tombstones and snapshots each change or
// read the blocks and the head as a whole (Prometheus takes its compaction mutex, db.cmtx, for each).

export class Exclusive {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` once every operation started before it has settled; its result or error is passed on. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
