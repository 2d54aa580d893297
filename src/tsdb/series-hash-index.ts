// Series by the hash of their label set, collisions kept in a list: the head's and the agent's
// lookup from labels to series (Prometheus's stripeSeries hashes). Single-threaded: one event loop.

import type { Labels } from '../model/labels.js';

/** What the index needs of a series: its labels and their hash (hashLabels), fixed for its life. */
export interface HashedSeries {
  readonly labels: Labels;
  readonly hash: number;
}

export class SeriesHashIndex<S extends HashedSeries> {
  private readonly byHash = new Map<number, S | S[]>();

  /** The series with exactly these (sorted, valid) labels. */
  get(labels: Labels, hash = hashLabels(labels)): S | undefined {
    const hit = this.byHash.get(hash);
    if (hit === undefined) return undefined;
    if (!Array.isArray(hit)) return sameLabels(hit.labels, labels) ? hit : undefined;
    for (const s of hit) if (sameLabels(s.labels, labels)) return s;
    return undefined;
  }

  /** Adds a series whose labels are not in the index. */
  add(s: S): void {
    const hit = this.byHash.get(s.hash);
    if (hit === undefined) this.byHash.set(s.hash, s);
    else if (Array.isArray(hit)) hit.push(s);
    else this.byHash.set(s.hash, [hit, s]);
  }

  delete(s: S): void {
    const hit = this.byHash.get(s.hash);
    if (Array.isArray(hit)) {
      const rest = hit.filter((x) => x !== s);
      if (rest.length === 1) this.byHash.set(s.hash, rest[0]!);
      else this.byHash.set(s.hash, rest);
    } else if (hit === s) this.byHash.delete(s.hash);
  }
}

/** FNV-1a over the label strings' UTF-16 code units, with separators between them: the series' hash. */
export function hashLabels(labels: Labels): number {
  let h = 0x811c9dc5;
  for (const l of labels) {
    const { name, value } = l;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xffff, 0x01000193);
    for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xfffe, 0x01000193);
  }
  return h >>> 0;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.value !== y.value) return false;
  }
  return true;
}
