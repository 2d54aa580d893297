// Shared helpers for the textparse tests: run a parser to the end and collect plain entries.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createParser, Entry, type ExpositionParser, type ParsedExemplar } from '../../src/textparse/index.js';
import type { Labels } from '../../src/model/labels.js';

export const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export interface SeriesEntry {
  readonly kind: 'series';
  readonly key: string;
  readonly labels: Labels;
  /** The value's IEEE-754 bits as 16 hex digits. */
  readonly bits: string;
  readonly value: number;
  readonly ts?: number;
  readonly exemplar?: ParsedExemplar;
}

export type ParsedEntry =
  | SeriesEntry
  | { readonly kind: 'type'; readonly name: string; readonly type: string }
  | { readonly kind: 'help'; readonly name: string; readonly help: string }
  | { readonly kind: 'unit'; readonly name: string; readonly unit: string }
  | { readonly kind: 'comment'; readonly text: string };

const box = new Float64Array(1);
const boxBits = new BigUint64Array(box.buffer);

export function bitsOfParserValue(p: ExpositionParser): string {
  p.copyValueTo(box, 0);
  return boxBits[0]!.toString(16).padStart(16, '0');
}

export function bitsOf(v: number): string {
  box[0] = v;
  return boxBits[0]!.toString(16).padStart(16, '0');
}

/** Reads the current entry of a parser into a plain object. */
export function readEntry(p: ExpositionParser, e: number): ParsedEntry {
  switch (e) {
    case Entry.Series:
      return {
        kind: 'series',
        key: p.seriesKey(),
        labels: p.labels(),
        bits: bitsOfParserValue(p),
        value: p.value(),
        ...(p.hasTimestamp() ? { ts: p.timestamp() } : {}),
        ...(p.hasExemplar() ? { exemplar: p.exemplar()! } : {}),
      };
    case Entry.Type:
      return { kind: 'type', name: p.metadataName(), type: p.type() };
    case Entry.Help:
      return { kind: 'help', name: p.metadataName(), help: p.help() };
    case Entry.Unit:
      return { kind: 'unit', name: p.metadataName(), unit: p.unit() };
    case Entry.Comment:
      return { kind: 'comment', text: p.comment() };
    default:
      throw new Error(`unexpected entry ${e}`);
  }
}

/** Every entry of a body (throws the parser's error). */
export function parseAll(body: string | Uint8Array, contentType: string): ParsedEntry[] {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const p = createParser(bytes, contentType);
  const out: ParsedEntry[] = [];
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) out.push(readEntry(p, e));
  return out;
}

export function seriesOf(entries: readonly ParsedEntry[]): SeriesEntry[] {
  return entries.filter((e): e is SeriesEntry => e.kind === 'series');
}

/** The error a body fails with, or undefined. */
export function parseError(body: string | Uint8Array, contentType: string): (Error & { reason?: string; line?: number; column?: number; offset?: number }) | undefined {
  try {
    parseAll(body, contentType);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

const FIXTURES = join(import.meta.dirname, '../fixtures/scrape');

/** A scrape fixture body (gunzipped when stored as .gz). */
export function fixtureBody(path: string): Buffer {
  const raw = readFileSync(join(FIXTURES, path));
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** The content type recorded beside a fixture body. */
export function fixtureContentType(jsonPath: string): string {
  return (JSON.parse(readFileSync(join(FIXTURES, jsonPath), 'utf8')) as { contentType: string }).contentType;
}
