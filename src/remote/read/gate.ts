// At most `limit` holders at once; the others wait in arrival order (Prometheus's gate for
// --storage.remote.read-concurrent-limit). A limit of 0 means no limit, as the flag's help says.

export class Gate {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves once the caller holds a place; call the returned function exactly once to give it back. */
  async enter(): Promise<() => void> {
    if (this.limit > 0) {
      if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.held++;
    }
    let left = false;
    return () => {
      if (left || this.limit <= 0) return;
      left = true;
      const next = this.waiting.shift();
      if (next !== undefined) next(); // the place passes on directly
      else this.held--;
    };
  }
}
