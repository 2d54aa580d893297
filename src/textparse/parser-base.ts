// State and accessors shared by the text and OpenMetrics parsers. A parser records byte offsets while it
// lexes an entry; strings are only made when an accessor asks for them, and the sample value lives in a
// Float64Array so that its bits (Go's NaN in particular) are exact.

import { isUtf8 } from 'node:buffer';
import type { Label, Labels } from '../model/labels.js';
import { METRIC_NAME } from '../model/labels.js';
import type { MetricType } from '../storage/interface.js';
import { Entry, TextParseError, type EntryKind, type ExpositionParser, type ParsedExemplar } from './interface.js';
import { NumberSyntaxError, parseGoFloat } from './go-numbers.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Go's math.NaN() and Prometheus's value.NormalNaN: 0x7ff8000000000001. */
const GO_NAN_HI = 0x7ff80000;
const GO_NAN_LO = 0x00000001;

const BACKSLASH = 0x5c;

/**
 * Node's Buffer decoders without toString's argument handling (present on every Buffer since Node 6,
 * but not in @types/node).
 */
interface SliceDecoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

export abstract class ParserBase implements ExpositionParser {
  abstract readonly format: 'prometheus-text' | 'openmetrics';
  readonly bytes: Uint8Array;
  /** The same bytes as a Buffer, for decoding. */
  protected readonly buf: Buffer & SliceDecoders;

  // Lexer position: `i` is the current byte, `start` the first byte of the last token.
  protected i = 0;
  protected start = 0;
  protected state = 0;
  /** Set by the lexer for the last quoted token: whether it holds a backslash / a byte >= 0x80. */
  protected quotedHasBackslash = false;
  protected quotedHasHighBytes = false;

  seriesStart = 0;
  seriesEnd = 0;
  protected nameEnd = 0;
  /** Per label: name start, name end, value start, value end. */
  protected labelOffsets = new Int32Array(64);
  protected labelEscaped = new Uint8Array(16);
  protected labelCount = 0;

  private readonly valueBox = new Float64Array(1);
  private readonly valueWords = new Uint32Array(this.valueBox.buffer);
  protected ts = 0;
  protected hasTs = false;

  protected metaNameStart = 0;
  protected metaNameEnd = 0;
  protected textStart = 0;
  protected textEnd = 0;
  protected mtype: MetricType = 'unknown';

  protected done = false;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Buffer & SliceDecoders;
  }

  abstract next(): EntryKind;
  abstract help(): string;
  abstract hasExemplar(): boolean;
  abstract exemplar(): ParsedExemplar | undefined;

  seriesKey(): string {
    return this.buf.latin1Slice(this.seriesStart, this.seriesEnd);
  }

  metricName(): string {
    return this.buf.latin1Slice(this.seriesStart, this.nameEnd);
  }

  labels(): Labels {
    const out: Label[] = [{ name: METRIC_NAME, value: this.metricName() }];
    const o = this.labelOffsets;
    for (let k = 0; k < this.labelCount; k++) {
      const name = this.buf.latin1Slice(o[4 * k]!, o[4 * k + 1]!);
      const vs = o[4 * k + 2]!;
      const ve = o[4 * k + 3]!;
      const value = this.labelEscaped[k] ? this.unescape(vs, ve, true) : this.buf.utf8Slice(vs, ve);
      out.push({ name, value });
    }
    return sortByName(out);
  }

  /** The byte offset the lexer has reached (after an entry: the start of the next line). */
  get offset(): number {
    return this.i;
  }

  /** How many label pairs the current sample wrote (duplicates included). */
  rawLabelCount(): number {
    return this.labelCount;
  }

  /** Byte offsets of the k-th label pair as written: name start, name end, value start, value end (inside the quotes). */
  rawLabel(k: number): [number, number, number, number] {
    const o = this.labelOffsets;
    return [o[4 * k]!, o[4 * k + 1]!, o[4 * k + 2]!, o[4 * k + 3]!];
  }

  value(): number {
    return this.valueBox[0]!;
  }

  copyValueTo(dst: Float64Array, index: number): void {
    dst[index] = this.valueBox[0]!;
  }

  hasTimestamp(): boolean {
    return this.hasTs;
  }

  timestamp(): number {
    return this.hasTs ? this.ts : 0;
  }

  metadataName(): string {
    return this.buf.latin1Slice(this.metaNameStart, this.metaNameEnd);
  }

  type(): MetricType {
    return this.mtype;
  }

  unit(): string {
    return this.buf.latin1Slice(this.textStart, this.textEnd);
  }

  comment(): string {
    return this.buf.utf8Slice(this.textStart, this.textEnd);
  }

  /** Parses b[start, end) as a float into the value box; NaN becomes Go's NaN. */
  protected setValueFrom(start: number, end: number): void {
    this.valueBox[0] = this.parseFloatAt(start, end);
    if (this.valueBox[0] !== this.valueBox[0]) this.setGoNaN(this.valueWords);
  }

  /** Go's NaN bit pattern into a two-word view of a float64. */
  protected setGoNaN(words: Uint32Array): void {
    words[LITTLE_ENDIAN ? 0 : 1] = GO_NAN_LO;
    words[LITTLE_ENDIAN ? 1 : 0] = GO_NAN_HI;
  }

  /** parseGoFloat with its syntax errors turned into positioned parse errors. */
  protected parseFloatAt(start: number, end: number): number {
    try {
      return parseGoFloat(this.bytes, start, end);
    } catch (e) {
      if (e instanceof NumberSyntaxError) this.fail(e.message, start);
      throw e;
    }
  }

  /** Records a label whose name and (quoted) value the lexer just read. */
  protected addLabel(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, escaped: boolean): void {
    const k = this.labelCount++;
    if (4 * k + 4 > this.labelOffsets.length) {
      const grown = new Int32Array(this.labelOffsets.length * 2);
      grown.set(this.labelOffsets);
      this.labelOffsets = grown;
      const flags = new Uint8Array(this.labelEscaped.length * 2);
      flags.set(this.labelEscaped);
      this.labelEscaped = flags;
    }
    this.labelOffsets[4 * k] = nameStart;
    this.labelOffsets[4 * k + 1] = nameEnd;
    this.labelOffsets[4 * k + 2] = valueStart;
    this.labelOffsets[4 * k + 3] = valueEnd;
    this.labelEscaped[k] = escaped ? 1 : 0;
  }

  /**
   * Scans a double-quoted string whose opening quote is at this.i, as the lexers' label-value states do:
   * a backslash escapes any byte but LF; `newlines` allows raw LFs; `nulsSkipped` is the NUL handling of
   * promlexer/openMetricsLexer.next() in label-value states (NULs are stepped over, also right after
   * the closing quote, and so belong to the token), else a NUL ends the token as invalid. On success
   * this.i is after the token and the quoted* flags describe it; on failure this.i is where it failed.
   */
  protected scanQuoted(newlines: boolean, nulsSkipped: boolean): boolean {
    const b = this.bytes;
    const n = b.length;
    let i = this.i + 1;
    let high = 0;
    let backslash = false;
    for (;;) {
      if (i >= n) break;
      const c = b[i]!;
      if (c === 0x22) {
        i++;
        if (nulsSkipped) while (i < n && b[i] === 0) i++;
        this.i = i;
        this.quotedHasBackslash = backslash;
        this.quotedHasHighBytes = high >= 0x80;
        return true;
      }
      if ((c === 0 && !nulsSkipped) || (c === 0x0a && !newlines)) break;
      i++;
      if (c !== BACKSLASH) {
        high |= c;
        continue;
      }
      backslash = true;
      if (nulsSkipped) while (i < n && b[i] === 0) i++;
      const d = i < n ? b[i]! : 0;
      if (d === 0 || d === 0x0a) break;
      high |= d;
      i++;
    }
    this.i = Math.min(i, n);
    return false;
  }

  /** The value paired with the word that b[start, end) spells exactly, or undefined. */
  protected matchWord<T>(words: ReadonlyArray<readonly [Uint8Array, T]>, start: number, end: number): T | undefined {
    const b = this.bytes;
    next: for (const [word, value] of words) {
      if (word.length !== end - start) continue;
      for (let k = 0; k < word.length; k++) if (b[start + k] !== word[k]) continue next;
      return value;
    }
    return undefined;
  }

  protected hasHighBytes(start: number, end: number): boolean {
    const b = this.bytes;
    for (let i = start; i < end; i++) if (b[i]! >= 0x80) return true;
    return false;
  }

  /** Go's utf8.Valid(b[start:end]); `mayHaveHighBytes` false skips the work for text known to be ASCII. */
  protected isUtf8(start: number, end: number, mayHaveHighBytes: boolean): boolean {
    return !mayHaveHighBytes || isUtf8(this.bytes.subarray(start, end));
  }

  /**
   * Decodes b[start, end) as UTF-8 with `\\` and `\n` (and `\"` when `quotes`) replaced left to right;
   * any other backslash stays, as Go's strings.Replacer leaves it.
   */
  protected unescape(start: number, end: number, quotes: boolean): string {
    const b = this.bytes;
    const out = Buffer.allocUnsafe(end - start) as Buffer & SliceDecoders;
    let n = 0;
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c === BACKSLASH && i + 1 < end) {
        const d = b[i + 1]!;
        if (d === BACKSLASH || (d === 0x22 && quotes)) {
          out[n++] = d;
          i++;
          continue;
        }
        if (d === 0x6e /* n */) {
          out[n++] = 0x0a;
          i++;
          continue;
        }
      }
      out[n++] = c;
    }
    return out.utf8Slice(0, n);
  }

  /** Decodes text that may hold escapes only when it has a backslash. */
  protected decodeText(start: number, end: number, quotes: boolean): string {
    return this.bytes.subarray(start, end).includes(BACKSLASH) ? this.unescape(start, end, quotes) : this.buf.utf8Slice(start, end);
  }

  protected fail(reason: string, offset: number): never {
    this.done = true;
    throw new TextParseError(reason, offset, this.bytes);
  }

  protected resetEntry(): void {
    this.labelCount = 0;
    this.hasTs = false;
    this.ts = 0;
  }

  protected endOfInput(): EntryKind {
    this.done = true;
    return Entry.Eof;
  }
}

/** Stable insertion sort by label name (label sets are small; Go's sort is insertion sort up to 12). */
function sortByName(ls: Label[]): Label[] {
  for (let i = 1; i < ls.length; i++) {
    const l = ls[i]!;
    let j = i - 1;
    while (j >= 0 && ls[j]!.name > l.name) {
      ls[j + 1] = ls[j]!;
      j--;
    }
    ls[j + 1] = l;
  }
  return ls;
}
