// Go's strings.ToLower / strings.ToUpper: every code point mapped on its own by Unicode's SIMPLE case
// mapping (UnicodeData.txt). JavaScript's toLowerCase/toUpperCase apply the full mappings of
// SpecialCasing.txt as well ("ß" → "SS", "İ" → "i̇", final sigma "ΑΣ" → "ας"), which Go never does.
// Mapping one code point at a time avoids the context rules (a lone Σ lowers to σ); the few code
// points whose full mapping has several code points are mapped here to their simple mapping.

/** Simple uppercase of the code points whose full uppercase is several code points (others: unchanged). */
const SIMPLE_UPPER: ReadonlyMap<number, number> = (() => {
  const m = new Map<number, number>();
  // Greek with ypogegrammeni: the simple mapping is the titlecase form with prosgegrammeni.
  for (let i = 0; i < 8; i++) {
    m.set(0x1f80 + i, 0x1f88 + i);
    m.set(0x1f90 + i, 0x1f98 + i);
    m.set(0x1fa0 + i, 0x1fa8 + i);
  }
  m.set(0x1fb3, 0x1fbc);
  m.set(0x1fc3, 0x1fcc);
  m.set(0x1ff3, 0x1ffc);
  return m;
})();

/** Simple lowercase of the code points whose full lowercase is several code points. */
const SIMPLE_LOWER: ReadonlyMap<number, number> = new Map([[0x130, 0x69]]);

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function mapCodePoints(s: string, full: (c: string) => string, simple: ReadonlyMap<number, number>): string {
  let out = '';
  for (const ch of s) {
    const mapped = full(ch);
    if (mapped.length === 1 || [...mapped].length === 1) {
      out += mapped;
    } else {
      const cp = ch.codePointAt(0)!;
      const single = simple.get(cp);
      out += single === undefined ? ch : String.fromCodePoint(single);
    }
  }
  return out;
}

export function goToLower(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapCodePoints(s, (c) => c.toLowerCase(), SIMPLE_LOWER);
}

export function goToUpper(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapCodePoints(s, (c) => c.toUpperCase(), SIMPLE_UPPER);
}
