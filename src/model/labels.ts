/** One label pair. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set, sorted by name (UTF-8 byte order), names unique. */
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

/**
 * Compares two strings by their UTF-8 bytes, as Go compares strings.
 * JavaScript's `<` compares UTF-16 code units, which orders U+E000–U+FFFF after
 * astral characters (surrogates); UTF-8 order equals code-point order, so a
 * mismatching pair of code units is mapped back to code-point order.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x < 0xe000 ? x + 0x2000 : x - 0x800;
        y = y < 0xe000 ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Compares label sets pairwise (name, then value), then by length, as Prometheus's labels.Compare. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const la = a[i]!;
    const lb = b[i]!;
    let c = compareStrings(la.name, lb.name);
    if (c !== 0) return c;
    c = compareStrings(la.value, lb.value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Builds a sorted label set from a plain record; empty values are dropped, as Prometheus does. */
export function labelsFromRecord(rec: Record<string, string>): Labels {
  return Object.entries(rec)
    .filter(([, v]) => v !== '')
    .map(([name, value]) => ({ name, value }))
    .sort((x, y) => compareStrings(x.name, y.name));
}

export function getLabel(ls: Labels, name: string): string | undefined {
  for (const l of ls) if (l.name === name) return l.value;
  return undefined;
}

/** A stable string key for a label set (never shown to users). */
export function labelsKey(ls: Labels): string {
  let s = '';
  for (const l of ls) s += l.name + '\xff' + l.value + '\xff';
  return s;
}

/** True when both label sets hold the same pairs in the same order. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}
