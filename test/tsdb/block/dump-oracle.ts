/**
 * The expected dump (fixture dump.txt, written by promtool 2.42) as data, so that time-range and matcher
 * variants can be checked against it (a line's labels are parsed back from Go's quoting); and our dump.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { formatGoFloat, formatLabels } from '../../../src/format/index.js';
import type { Matcher } from '../../../src/model/matchers.js';
import type { ReadOnlyDB } from '../../../src/tsdb/block/db.js';

export const FIXTURE_DB = new URL('../../fixtures/blocks/', import.meta.url).pathname;

export interface DumpLine {
  readonly text: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly t: number;
}

export function expectedDump(): string {
  return gunzipSync(readFileSync(FIXTURE_DB + 'dump.txt.gz')).toString('utf8');
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };

/** Reads `{name="value", ...}` back into a map (Go's Unquote for what strconv.Quote produces). */
function parseLabels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    i = eq + 2; // past ="
    let value = '';
    while (text[i] !== '"') {
      if (text[i] === '\\') {
        const c = text[i + 1]!;
        const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
        if (width) {
          value += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + width), 16));
          i += 2 + width;
        } else {
          value += ESCAPES[c]!;
          i += 2;
        }
      } else {
        const cp = text.codePointAt(i)!;
        value += String.fromCodePoint(cp);
        i += cp > 0xffff ? 2 : 1;
      }
    }
    out.set(name, value);
    i++; // closing quote
    if (text.startsWith(', ', i)) i += 2;
  }
  return out;
}

export function parseDump(text: string): DumpLine[] {
  const lines = text.split('\n');
  lines.pop();
  const cache = new Map<string, Map<string, string>>();
  return lines.map((line) => {
    const close = line.lastIndexOf('} ');
    const labelText = line.slice(0, close + 1);
    let labels = cache.get(labelText);
    if (!labels) cache.set(labelText, (labels = parseLabels(labelText)));
    return { text: line, labels, t: Number(line.slice(line.lastIndexOf(' ') + 1)) };
  });
}

export function joinLines(lines: readonly DumpLine[]): string {
  return lines.map((l) => l.text + '\n').join('');
}

/** What `tsdb dump` prints for a query, computed in-process. */
export async function dump(db: ReadOnlyDB, matchers: readonly Matcher[], mint: number, maxt: number): Promise<string> {
  const parts: string[] = [];
  for await (const s of db.select(matchers, mint, maxt)) {
    const prefix = formatLabels(s.labels) + ' ';
    for await (const b of s.batches()) for (let i = 0; i < b.length; i++) parts.push(prefix + formatGoFloat(b.values[i]!) + ' ' + b.timestamps[i] + '\n');
  }
  return parts.join('');
}
