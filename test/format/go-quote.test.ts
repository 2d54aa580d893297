import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goQuote } from '../../src/format/go-quote.js';
import { isGoPrintable } from '../../src/format/go-printable.js';
import { formatLabels } from '../../src/format/labels.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../helpers/promtool.js';
import { printableProbeOpenMetrics, printableRangesFromDump } from './tools/go-printable.js';

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['', '""'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['multi\nline\tand\rcr', '"multi\\nline\\tand\\rcr"'],
    ['\x07\x08\x0b\x0c', '"\\a\\b\\v\\f"'],
    ['\x00\x01\x1f\x7f', '"\\x00\\x01\\x1f\\x7f"'],
    ['Küche Café ☕ 東京オフィス Ελλάδα', '"Küche Café ☕ 東京オフィス Ελλάδα"'],
    ['nbsp\u00a0here', '"nbsp\\u00a0here"'],
    ['🚀 launch bay 👩\u200d💻', '"🚀 launch bay 👩\\u200d💻"'],
    ['\u0085\u2028\ufeff', '"\\u0085\\u2028\\ufeff"'],
    ['\u{e0001}\u{10ffff}', '"\\U000e0001\\U0010ffff"'],
    ['\u{1f6dd}', '"\\U0001f6dd"'], // assigned in Unicode 14: Go 1.19 (Unicode 13) does not know it
    ['\ud800x', '"�x"'], // a lone surrogate stands for U+FFFD, as TextEncoder writes it
  ])('%j → %s', (s, expected) => {
    expect(goQuote(s)).toBe(expected);
  });

  it('renders label sets as labels.Labels.String()', () => {
    expect(formatLabels([])).toBe('{}');
    expect(formatLabels([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a"b' }])).toBe('{__name__="up", job="a\\"b"}');
  });

  it('treats as printable only characters the runtime also calls letters, marks, numbers, punctuation or symbols', () => {
    const graphic = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
    let printable = 0;
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      if (!isGoPrintable(cp)) continue;
      printable++;
      if (cp !== 0x20 && !graphic.test(String.fromCodePoint(cp))) expect.fail(`U+${cp.toString(16)} is not graphic here`);
    }
    expect(printable).toBe(143_680); // as measured from promtool 2.42 (the live test below re-measures)
  });
});

describe.skipIf(!PROMTOOL)('the printable table against the real promtool', () => {
  it(`still matches what promtool 2.42 leaves unescaped, for every code point${PROMTOOL ? '' : ` (${PROMTOOL_MISSING})`}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'go-printable-'));
    try {
      writeFileSync(join(dir, 'in.om'), printableProbeOpenMetrics());
      promtool(['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'db')]);
      mkdirSync(join(dir, 'db', 'wal'));
      const { ranges, seen } = printableRangesFromDump(promtool(['tsdb', 'dump', join(dir, 'db')]));
      expect(seen).toBe(0x110000 - 0x800 - 1);
      const measured = new Uint8Array(0x110000);
      for (const [a, b] of ranges) measured.fill(1, a, b + 1);
      for (let cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xd800 && cp < 0xe000) continue;
        if (isGoPrintable(cp) !== (measured[cp] === 1)) expect.fail(`U+${cp.toString(16)}: table says ${isGoPrintable(cp)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
