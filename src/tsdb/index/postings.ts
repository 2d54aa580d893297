// Postings lists as sorted, duplicate-free Uint32Arrays of series IDs, and the set operations that
// matcher evaluation needs. Lists read from an index are small enough to hold whole; these run in
// linear time over their inputs.

export const EMPTY_POSTINGS: Uint32Array = new Uint32Array(0);

/** The IDs present in every list (none for no lists, as Prometheus's index.Intersect). */
export function intersectPostings(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY_POSTINGS;
  const sorted = [...lists].sort((a, b) => a.length - b.length);
  let acc = sorted[0]!;
  for (let k = 1; k < sorted.length && acc.length > 0; k++) acc = intersectTwo(acc, sorted[k]!);
  return acc;
}

function intersectTwo(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

/** The IDs present in any list. */
export function unionPostings(lists: readonly Uint32Array[]): Uint32Array {
  if (lists.length === 0) return EMPTY_POSTINGS;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const l of lists) {
    all.set(l, at);
    at += l.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (n === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}

/** The IDs of `a` that are not in `b`. */
export function subtractPostings(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out[n++] = x;
  }
  return out.subarray(0, n);
}
