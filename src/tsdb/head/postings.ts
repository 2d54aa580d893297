import { compareStrings, type Labels } from '../../model/labels.js';
import type { PostingsIndex } from '../index/postings-for-matchers.js';
import { EMPTY_POSTINGS, unionPostings } from '../index/postings.js';

/**
 * A growable, sorted list of series refs. Refs are handed out in increasing order
 * and added at creation, so appends keep the list sorted; deletion compacts in place.
 * Most label pairs of a high-cardinality label hold one series, so the first ref
 * lives inline and a typed array is only allocated for the second.
 */
export class RefList {
  private first = 0;
  private refs: Uint32Array | null = null;
  length = 0;

  add(ref: number): void {
    if (this.length === 0) {
      this.first = ref;
      this.length = 1;
      return;
    }
    if (this.refs === null) {
      this.refs = new Uint32Array(4);
      this.refs[0] = this.first;
    } else if (this.length === this.refs.length) {
      const next = new Uint32Array(this.refs.length * 2);
      next.set(this.refs);
      this.refs = next;
    }
    this.refs[this.length++] = ref;
  }

  /** Removes every ref for which `drop` is true. */
  removeWhere(drop: (ref: number) => boolean): void {
    if (this.refs === null) {
      if (this.length === 1 && drop(this.first)) this.length = 0;
      return;
    }
    let w = 0;
    for (let r = 0; r < this.length; r++) {
      const ref = this.refs[r]!;
      if (!drop(ref)) this.refs[w++] = ref;
    }
    this.length = w;
  }

  /** A copy of the refs (callers may keep it). */
  toArray(): Uint32Array {
    if (this.refs === null) return this.length === 1 ? Uint32Array.of(this.first) : new Uint32Array(0);
    return this.refs.slice(0, this.length);
  }
}

/**
 * In-memory postings of the head: for every label pair, the sorted refs of the
 * series that carry it, plus the list of all refs (Prometheus's MemPostings).
 * Implements the index seam that matcher evaluation runs on.
 */
export class MemPostings implements PostingsIndex {
  private readonly byName = new Map<string, Map<string, RefList>>();
  private readonly all = new RefList();

  add(ref: number, labels: Labels): void {
    this.all.add(ref);
    for (const l of labels) {
      let values = this.byName.get(l.name);
      if (values === undefined) {
        values = new Map();
        this.byName.set(l.name, values);
      }
      let list = values.get(l.value);
      if (list === undefined) {
        list = new RefList();
        values.set(l.value, list);
      }
      list.add(ref);
    }
  }

  /** Drops the given refs everywhere (head truncation). */
  delete(dead: ReadonlySet<number>): void {
    const drop = (ref: number): boolean => dead.has(ref);
    this.all.removeWhere(drop);
    for (const [name, values] of this.byName) {
      for (const [value, list] of values) {
        list.removeWhere(drop);
        if (list.length === 0) values.delete(value);
      }
      if (values.size === 0) this.byName.delete(name);
    }
  }

  allPostings(): Uint32Array {
    return this.all.toArray();
  }

  get(name: string, value: string): Uint32Array {
    return this.byName.get(name)?.get(value)?.toArray() ?? EMPTY_POSTINGS;
  }

  postings(name: string, values: readonly string[]): Uint32Array {
    return unionPostings(values.map((v) => this.get(name, v)));
  }

  /** Every label name and value held, unsorted (the very strings series carry). */
  *symbols(): IterableIterator<string> {
    for (const [name, values] of this.byName) {
      yield name;
      yield* values.keys();
    }
  }

  /** Label names, sorted by UTF-8 bytes. */
  labelNames(): string[] {
    return [...this.byName.keys()].sort(compareStrings);
  }

  /** Values of one label name, sorted by UTF-8 bytes. */
  labelValues(name: string): string[] {
    const values = this.byName.get(name);
    return values ? [...values.keys()].sort(compareStrings) : [];
  }
}
