/**
 * Derives the set of code points Go's `strconv.IsPrint` accepts, as promtool 2.42 (Go 1.19, Unicode 13)
 * applies it when quoting label values: every code point is written into a label value of an OpenMetrics
 * file, promtool turns it into a block and dumps it, and whatever comes back raw (not as `\x`, `\u` or `\U`)
 * is printable. Used by the generator of src/format/go-printable.ts and by the live test that re-checks it.
 */

const BLOCK = 0x1000;

/** An OpenMetrics file with one series per 4096 code points (controls in a series of their own). */
export function printableProbeOpenMetrics(): string {
  let out = '# TYPE probe gauge\n';
  for (let block = 0; block < 0x110000; block += BLOCK) {
    let value = '';
    for (let cp = block; cp < block + BLOCK; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue; // not encodable in UTF-8
      if (cp < 0x20 || cp === 0x22 || cp === 0x5c || cp === 0x7f) continue; // controls below; quote and backslash need escapes
      value += String.fromCodePoint(cp);
    }
    out += `probe{b="${block.toString(16).padStart(6, '0')}",v="${value}"} 1 1700000000\n`;
  }
  let controls = '';
  for (let cp = 1; cp < 0x20; cp++) if (cp !== 0x0a) controls += String.fromCodePoint(cp);
  out += `probe{b="controls",v="${controls}\\n\\"\\\\\x7f"} 1 1700000000\n`;
  return out + '# EOF\n';
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '"': 0x22, '\\': 0x5c };

/**
 * Reads the dump of the probe file back: returns the sorted, merged ranges [first, last] of code points that
 * came back raw, plus how many distinct code points were seen at all (to prove the probe was complete).
 */
export function printableRangesFromDump(dump: string): { ranges: Array<[number, number]>; seen: number } {
  const printable = new Uint8Array(0x110000);
  const seen = new Uint8Array(0x110000);
  for (const line of dump.split('\n')) {
    const m = /, v="(.*)"\} 1 1700000000000$/s.exec(line);
    if (!m) continue;
    const body = m[1]!;
    for (let i = 0; i < body.length; ) {
      if (body[i] === '\\') {
        const c = body[i + 1]!;
        const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
        if (width > 0) {
          seen[parseInt(body.slice(i + 2, i + 2 + width), 16)] = 1;
          i += 2 + width;
        } else {
          const cp = SIMPLE_ESCAPES[c];
          if (cp === undefined) throw new Error(`unexpected escape \\${c}`);
          seen[cp] = 1;
          // `"` and `\` are printable; Quote escapes them only because they delimit or escape.
          if (cp === 0x22 || cp === 0x5c) printable[cp] = 1;
          i += 2;
        }
      } else {
        const cp = body.codePointAt(i)!;
        seen[cp] = 1;
        printable[cp] = 1;
        i += cp > 0xffff ? 2 : 1;
      }
    }
  }
  const ranges: Array<[number, number]> = [];
  let start = -1;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const p = cp < 0x110000 && printable[cp] === 1;
    if (p && start < 0) start = cp;
    if (!p && start >= 0) {
      ranges.push([start, cp - 1]);
      start = -1;
    }
  }
  let count = 0;
  for (let cp = 0; cp < 0x110000; cp++) count += seen[cp]!;
  return { ranges, seen: count };
}

/** The compact form stored in src/format/go-printable.ts: per range, the gap since the last range and its length - 1, base 36. */
export function encodeRanges(ranges: ReadonlyArray<readonly [number, number]>): string {
  const parts: string[] = [];
  let next = 0;
  for (const [first, last] of ranges) {
    parts.push((first - next).toString(36), (last - first).toString(36));
    next = last + 1;
  }
  return parts.join(',');
}
