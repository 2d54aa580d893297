// OpenMetrics 1.0 text exactly as Prometheus 2.42 reads it when scraping (model/textparse/openmetricslex.l
// and openmetricsparse.go): separators are exactly one space, every `#` line must be HELP, TYPE, UNIT or
// EOF, and the body must end with `# EOF` (optionally followed by one newline).
//
// Quirks kept on purpose, because a 2.42 scrape behaves this way:
// - Timestamps are float seconds converted with int64(seconds * 1000) (see secondsToMillis).
// - Exemplars are accepted on any sample whose name ends in `_total` or `_bucket`; their label values are
//   not unescaped.
// - NUL bytes are stepped over inside label values, HELP/TYPE/UNIT text and the `# ` keyword; after the
//   closing quote of a label value too (they then join the value, as in the text format).
// - A value or timestamp is any run of bytes other than NUL, space and newline (tabs included).

import { Entry, type EntryKind, type MetricType, type ParsedExemplar } from './interface.js';
import { secondsToMillis } from './go-numbers.js';
import type { Label } from '../model/labels.js';
import { ParserBase } from './parser-base.js';
import { quoteGoBytes } from './quote.js';
import { goQuote } from '../format/go-quote.js';
import {
  BRACE_CLOSE, BRACE_OPEN, COMMA, EQUAL, HASH, LABEL_CONT, LABEL_START, LF, METRIC_CONT, METRIC_START,
  QUOTE, SPACE, T_BRACE_CLOSE, T_BRACE_OPEN, T_COMMA, T_COMMENT, T_EOF, T_EOF_WORD, T_EQUAL, T_HELP, T_INVALID,
  T_LINEBREAK, T_LNAME, T_LVALUE, T_MNAME, T_TEXT, T_TIMESTAMP, T_TYPE, T_UNIT, T_VALUE, expected, tokenName,
} from './tokens.js';

// Lexer states (openmetricslex.l start conditions).
const S_INIT = 0;
const S_COMMENT = 1;
const S_META1 = 2;
const S_META2 = 3;
const S_LABELS = 4;
const S_LVALUE = 5;
const S_VALUE = 6;
const S_TIMESTAMP = 7;
const S_EXEMPLAR = 8;
const S_EVALUE = 9;
const S_ETIMESTAMP = 10;

/** Value and timestamp bytes: anything but NUL, space and newline. */
const FIELD_BYTE = (() => {
  const t = new Uint8Array(256).fill(1);
  for (const c of [0, LF, SPACE]) t[c] = 0;
  return t;
})();

const TYPES: ReadonlyArray<readonly [Uint8Array, MetricType]> = (
  ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'] as const
).map((t) => [Buffer.from(t), t] as const);

const KEYWORDS: ReadonlyArray<readonly [string, number]> = [
  ['HELP', T_HELP],
  ['TYPE', T_TYPE],
  ['UNIT', T_UNIT],
];

export class OpenMetricsParser extends ParserBase {
  readonly format = 'openmetrics';

  // The exemplar of the current sample, if any: label offsets, value bits, timestamp.
  private exemplarCount = -1;
  private exemplarOffsets = new Int32Array(16);
  private readonly exemplarBox = new Float64Array(1);
  private readonly exemplarWords = new Uint32Array(this.exemplarBox.buffer);
  private exemplarHasTs = false;
  private exemplarTs = 0;
  /** The sample's timestamp in seconds as written (NaN when it has none), for validation. */
  private tsSeconds = NaN;

  help(): string {
    return this.decodeText(this.textStart, this.textEnd, true);
  }

  hasExemplar(): boolean {
    return this.exemplarCount >= 0;
  }

  exemplar(): ParsedExemplar | undefined {
    if (this.exemplarCount < 0) return undefined;
    const labels: Label[] = [];
    const o = this.exemplarOffsets;
    for (let k = 0; k < this.exemplarCount; k++) {
      labels.push({ name: this.buf.latin1Slice(o[4 * k]!, o[4 * k + 1]!), value: this.buf.utf8Slice(o[4 * k + 2]!, o[4 * k + 3]!) });
    }
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { labels, value: this.exemplarBox[0]!, hasTimestamp: this.exemplarHasTs, timestamp: this.exemplarHasTs ? this.exemplarTs : 0 };
  }

  /** The sample's timestamp in float seconds before the conversion to milliseconds (NaN when it has none). */
  timestampSeconds(): number {
    return this.tsSeconds;
  }

  next(): EntryKind {
    if (this.done) return Entry.Eof;
    this.resetEntry();
    this.tsSeconds = NaN;
    this.exemplarCount = -1;
    this.exemplarHasTs = false;
    this.seriesStart = this.i;
    const t = this.lex();
    switch (t) {
      case T_EOF_WORD: {
        const t2 = this.lex();
        if (t2 !== T_EOF) this.fail('unexpected data after # EOF', this.start);
        return this.endOfInput();
      }
      case T_EOF:
        return this.fail('data does not end with # EOF', this.i);
      case T_HELP:
      case T_TYPE:
      case T_UNIT:
        return this.metadata(t);
      case T_MNAME:
        return this.sample();
      default: {
        const c = this.i < this.bytes.length ? this.bytes[this.i]! : SPACE;
        return this.fail(`"${tokenName(t)}" ${goQuote(String.fromCharCode(c))} is not a valid start token`, this.i);
      }
    }
  }

  private metadata(kind: number): EntryKind {
    const word = tokenName(kind);
    const t = this.lex();
    if (t !== T_MNAME) this.fail(expected(`expected metric name after ${word}`, t), this.errorOffset(t));
    this.metaNameStart = this.start;
    this.metaNameEnd = this.i;
    if (this.lex() !== T_TEXT) this.fail(`expected text in ${word}`, this.i);
    // The text token is the separating space, the text and the newline.
    this.textStart = this.i - this.start > 1 ? this.start + 1 : this.i;
    this.textEnd = this.i - this.start > 1 ? this.i - 1 : this.i;
    if (kind === T_TYPE) {
      const type = this.matchWord(TYPES, this.textStart, this.textEnd);
      if (type === undefined) this.fail(`invalid metric type ${quoteGoBytes(this.bytes, this.textStart, this.textEnd)}`, this.textStart);
      this.mtype = type;
      return Entry.Type;
    }
    if (kind === T_HELP) {
      if (!this.isUtf8(this.textStart, this.textEnd, this.hasHighBytes(this.textStart, this.textEnd))) this.fail('help text is not a valid utf8 string', this.textStart);
      return Entry.Help;
    }
    this.checkUnitSuffix();
    return Entry.Unit;
  }

  /** A non-empty unit must end the metric name, after an underscore. */
  private checkUnitSuffix(): void {
    const b = this.bytes;
    const unitLen = this.textEnd - this.textStart;
    if (unitLen === 0) return;
    const nameLen = this.metaNameEnd - this.metaNameStart;
    let ok = nameLen >= unitLen + 1 && b[this.metaNameEnd - unitLen - 1] === 0x5f;
    for (let k = 0; ok && k < unitLen; k++) ok = b[this.metaNameEnd - unitLen + k] === b[this.textStart + k];
    if (!ok) this.fail(`unit not a suffix of metric ${quoteGoBytes(b, this.metaNameStart, this.metaNameEnd)}`, this.textStart);
  }

  private sample(): EntryKind {
    this.nameEnd = this.i;
    this.seriesEnd = this.i;
    let t = this.lex();
    if (t === T_BRACE_OPEN) {
      this.labelSet(false);
      this.seriesEnd = this.i;
      t = this.lex();
    }
    if (t !== T_VALUE) this.fail(expected('expected value after metric', t), this.errorOffset(t));
    this.setValueFrom(this.start + 1, this.i);
    t = this.lex();
    switch (t) {
      case T_EOF:
        return this.fail('data does not end with # EOF', this.i);
      case T_LINEBREAK:
        break;
      case T_COMMENT:
        this.exemplarPart();
        break;
      case T_TIMESTAMP: {
        this.hasTs = true;
        this.tsSeconds = this.secondsAt(this.start + 1, this.i, 'invalid timestamp');
        this.ts = secondsToMillis(this.tsSeconds);
        const t2 = this.lex();
        if (t2 === T_COMMENT) this.exemplarPart();
        else if (t2 !== T_LINEBREAK) this.fail(expected('expected next entry after timestamp', t2), this.errorOffset(t2));
        break;
      }
      default:
        this.fail(expected('expected timestamp or # symbol', t), this.errorOffset(t));
    }
    return Entry.Series;
  }

  /** ` # {labels} value [timestamp]` after a sample's value or timestamp (the lexer has read ` # {`). */
  private exemplarPart(): void {
    const b = this.bytes;
    const nameEnd = this.nameEnd;
    const endsWith = (suffix: string): boolean => {
      if (nameEnd - this.seriesStart < suffix.length) return false;
      for (let k = 0; k < suffix.length; k++) if (b[nameEnd - suffix.length + k] !== suffix.charCodeAt(k)) return false;
      return true;
    };
    if (!endsWith('_total') && !endsWith('_bucket')) {
      this.fail(`metric name ${this.metricName()} does not support exemplars`, this.start);
    }
    this.exemplarCount = 0;
    this.labelSet(true);
    const t = this.lex();
    if (t !== T_VALUE) this.fail(expected('expected value after exemplar labels', t), this.errorOffset(t));
    this.exemplarBox[0] = this.parseFloatAt(this.start + 1, this.i);
    if (this.exemplarBox[0] !== this.exemplarBox[0]) this.setGoNaN(this.exemplarWords);
    const t2 = this.lex();
    if (t2 === T_EOF) this.fail('data does not end with # EOF', this.i);
    if (t2 === T_LINEBREAK) return;
    if (t2 !== T_TIMESTAMP) this.fail(expected('expected timestamp or comment', t2), this.errorOffset(t2));
    this.exemplarHasTs = true;
    this.exemplarTs = secondsToMillis(this.secondsAt(this.start + 1, this.i, 'invalid exemplar timestamp'));
    const t3 = this.lex();
    if (t3 !== T_LINEBREAK) this.fail(expected('expected next entry after exemplar timestamp', t3), this.errorOffset(t3));
  }

  /** A timestamp in float seconds, refusing NaN and infinities. */
  private secondsAt(start: number, end: number, invalid: string): number {
    const seconds = this.parseFloatAt(start, end);
    if (seconds !== seconds || seconds === Infinity || seconds === -Infinity) this.fail(invalid, start);
    return seconds;
  }

  /** `{` has been read: `name="value"` pairs separated by single commas up to `}`. */
  private labelSet(exemplar: boolean): void {
    for (let first = true; ; first = false) {
      let t = this.lex();
      if (t === T_BRACE_CLOSE) return;
      if (t === T_COMMA) {
        if (first) this.fail(expected('expected label name or left brace', t), this.start);
        t = this.lex();
        if (t !== T_LNAME) this.fail(expected('expected label name', t), this.errorOffset(t));
      } else if (t === T_LNAME) {
        if (!first) this.fail(expected('expected comma', t), this.start);
      } else {
        this.fail(expected(first ? 'expected label name or left brace' : 'expected comma or left brace', t), this.errorOffset(t));
      }
      const nameStart = this.start;
      const nameEnd = this.i;
      const t2 = this.lex();
      if (t2 !== T_EQUAL) this.fail(expected('expected equal', t2), this.errorOffset(t2));
      const t3 = this.lex();
      if (t3 !== T_LVALUE) this.fail(expected('expected label value', t3), this.errorOffset(t3));
      if (!this.isUtf8(this.start, this.i, this.quotedHasHighBytes)) this.fail('invalid UTF-8 label value', this.start);
      if (exemplar) this.addExemplarLabel(nameStart, nameEnd, this.start + 1, this.i - 1);
      else this.addLabel(nameStart, nameEnd, this.start + 1, this.i - 1, this.quotedHasBackslash);
    }
  }

  private addExemplarLabel(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const k = this.exemplarCount++;
    if (4 * k + 4 > this.exemplarOffsets.length) {
      const grown = new Int32Array(this.exemplarOffsets.length * 2);
      grown.set(this.exemplarOffsets);
      this.exemplarOffsets = grown;
    }
    this.exemplarOffsets.set([nameStart, nameEnd, valueStart, valueEnd], 4 * k);
  }

  private errorOffset(t: number): number {
    return t === T_INVALID ? this.i : this.start;
  }

  // ---- The lexer ----

  /** openMetricsLexer.next(): the byte after the current one, 0 past the end; NULs skipped in text states. */
  private advance(): number {
    const b = this.bytes;
    let i = ++this.i;
    if (i >= b.length) return 0;
    if (b[i] === 0 && (this.state === S_LVALUE || this.state === S_META2 || this.state === S_COMMENT)) {
      while (i < b.length && b[i] === 0) i++;
      this.i = i;
      if (i >= b.length) return 0;
    }
    return b[i]!;
  }

  private lex(): number {
    const b = this.bytes;
    if (this.i >= b.length) return T_EOF;
    this.start = this.i;
    const c = b[this.i]!;
    switch (this.state) {
      case S_INIT:
        if (METRIC_START[c]) {
          let i = this.i + 1;
          while (i < b.length && METRIC_CONT[b[i]!]) i++;
          this.i = i;
          this.state = S_VALUE;
          return T_MNAME;
        }
        if (c !== HASH || this.advance() !== SPACE) return T_INVALID;
        // `# ` switches to the keyword state without ending the token.
        this.advance();
        return this.keyword();
      case S_META1:
        if (!METRIC_START[c]) return T_INVALID;
        {
          let i = this.i + 1;
          while (i < b.length && METRIC_CONT[b[i]!]) i++;
          this.i = i;
        }
        this.state = S_META2;
        return T_MNAME;
      case S_META2: {
        // A space, then anything up to and including the newline (NULs inside are stepped over, and so
        // are NULs right after the newline, which then belong to the token).
        if (c !== SPACE) return T_INVALID;
        const lf = b.indexOf(LF, this.i + 1);
        if (lf < 0) {
          this.i = b.length;
          return T_INVALID;
        }
        let i = lf + 1;
        while (i < b.length && b[i] === 0) i++;
        this.i = i;
        this.state = S_INIT;
        return T_TEXT;
      }
      case S_LABELS:
      case S_EXEMPLAR:
        return this.labelToken(c, this.state === S_LABELS ? S_LVALUE : S_EVALUE);
      case S_LVALUE:
        return c === QUOTE ? this.quoted(S_LABELS) : T_INVALID;
      case S_VALUE:
        if (c === BRACE_OPEN) {
          this.i++;
          this.state = S_LABELS;
          return T_BRACE_OPEN;
        }
        return c === SPACE ? this.field(T_VALUE, S_TIMESTAMP) : T_INVALID;
      case S_TIMESTAMP:
        if (c === LF) return this.linebreak();
        if (c !== SPACE) return T_INVALID;
        return this.timestampOrExemplar();
      case S_EVALUE:
        if (c === QUOTE) return this.quoted(S_EXEMPLAR);
        return c === SPACE ? this.field(T_VALUE, S_ETIMESTAMP) : T_INVALID;
      case S_ETIMESTAMP:
        if (c === LF) return this.linebreak();
        return c === SPACE ? this.field(T_TIMESTAMP, S_ETIMESTAMP) : T_INVALID;
      default:
        return T_INVALID;
    }
  }

  /** After `# ` (state sComment, so NULs are stepped over): `HELP `, `TYPE `, `UNIT ` or `EOF` [LF]. */
  private keyword(): number {
    this.state = S_COMMENT;
    const b = this.bytes;
    const c = this.i < b.length ? b[this.i]! : 0;
    if (c === 0x45 /* E */) {
      if (this.advance() !== 0x4f || this.advance() !== 0x46) return T_INVALID;
      if (this.advance() === LF) this.advance();
      this.state = S_INIT;
      return T_EOF_WORD;
    }
    for (const [word, token] of KEYWORDS) {
      if (c !== word.charCodeAt(0)) continue;
      for (let k = 1; k < 4; k++) if (this.advance() !== word.charCodeAt(k)) return T_INVALID;
      if (this.advance() !== SPACE) return T_INVALID;
      this.advance();
      this.state = S_META1;
      return token;
    }
    return T_INVALID;
  }

  private labelToken(c: number, valueState: number): number {
    const b = this.bytes;
    if (LABEL_START[c]) {
      let i = this.i + 1;
      while (i < b.length && LABEL_CONT[b[i]!]) i++;
      this.i = i;
      return T_LNAME;
    }
    if (c === COMMA) {
      this.i++;
      return T_COMMA;
    }
    if (c === EQUAL) {
      this.i++;
      this.state = valueState;
      return T_EQUAL;
    }
    if (c === BRACE_CLOSE) {
      this.i++;
      this.state = this.state === S_LABELS ? S_VALUE : S_EVALUE;
      return T_BRACE_CLOSE;
    }
    return T_INVALID;
  }

  /** ` ` then one or more field bytes: a value or a timestamp. */
  private field(token: number, nextState: number): number {
    const b = this.bytes;
    let i = this.i + 1;
    if (i >= b.length || !FIELD_BYTE[b[i]!]) {
      this.i = i;
      return T_INVALID;
    }
    while (i < b.length && FIELD_BYTE[b[i]!]) i++;
    this.i = i;
    this.state = nextState;
    return token;
  }

  /** In sTimestamp after a space: ` # {` starts an exemplar; anything else is a timestamp field. */
  private timestampOrExemplar(): number {
    const b = this.bytes;
    const i = this.i;
    if (b[i + 1] === HASH) {
      const after = i + 2 < b.length ? b[i + 2]! : 0;
      if (after === SPACE) {
        if (b[i + 3] !== BRACE_OPEN) {
          this.i = i + 3;
          return T_INVALID;
        }
        this.i = i + 4;
        this.state = S_EXEMPLAR;
        return T_COMMENT;
      }
    }
    return this.field(T_TIMESTAMP, S_TIMESTAMP);
  }

  private linebreak(): number {
    this.i++;
    this.state = S_INIT;
    return T_LINEBREAK;
  }

  /**
   * A double-quoted label value without raw newlines. In sLValue (metric labels) NUL bytes are stepped
   * over, also right after the closing quote; in exemplar labels a NUL makes the token invalid.
   */
  private quoted(afterState: number): number {
    if (!this.scanQuoted(false, this.state === S_LVALUE)) return T_INVALID;
    this.state = afterState;
    return T_LVALUE;
  }
}
