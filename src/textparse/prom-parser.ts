// The Prometheus text format 0.0.4 exactly as Prometheus 2.42 reads it when scraping
// (model/textparse/promlex.l and promparse.go): a hand-written lexer that follows the generated DFA state
// for state, including its quirks, and the parser on top of it.
//
// Quirks kept on purpose, because a 2.42 scrape behaves this way:
// - A newline is appended to the body, so a missing final newline is fine.
// - Blanks before a metric name become part of the name (the scrape loop then rejects the name).
// - A NUL byte where a line or token starts ends the input without an error; inside label values, HELP
//   text and `# ` comments NUL bytes are stepped over, elsewhere they end the token.
// - `#` not followed by a blank is a comment up to the newline; so is `# ` followed by anything but
//   `HELP`/`TYPE` and blanks.
// - HELP/TYPE text is everything after the metric name minus its first byte (normally the separating blank).
// - Label values may hold raw newlines and any escape; only `\\`, `\"` and `\n` are unescaped. NUL bytes
//   right after the closing quote are stepped over too, so the value then ends with `"` and those NULs.
// - A trailing comma in a label set is accepted; a value may follow `}` without a blank.
// - Timestamps are digits only (no sign).

import { Entry, type EntryKind, type ParsedExemplar } from './interface.js';
import { NumberSyntaxError, parseGoInt64Digits } from './go-numbers.js';
import { ParserBase } from './parser-base.js';
import { quoteGoBytes } from './quote.js';
import {
  BRACE_CLOSE, BRACE_OPEN, COMMA, DIGIT, EQUAL, HASH, LABEL_CONT, LABEL_START, LF, METRIC_CONT,
  METRIC_START, QUOTE, SPACE, TAB, T_BRACE_CLOSE, T_BRACE_OPEN, T_COMMA, T_COMMENT, T_EOF, T_EQUAL, T_HELP,
  T_INVALID, T_LINEBREAK, T_LNAME, T_LVALUE, T_MNAME, T_TEXT, T_TIMESTAMP, T_TYPE, T_VALUE, T_WHITESPACE,
  expected, tokenName,
} from './tokens.js';

// Lexer states (promlex.l start conditions).
const S_INIT = 0;
const S_COMMENT = 1;
const S_META1 = 2;
const S_META2 = 3;
const S_LABELS = 4;
const S_LVALUE = 5;
const S_VALUE = 6;
const S_TIMESTAMP = 7;

/** A sample value runs until NUL, blank, newline or `{`. */
const VALUE_BYTE = (() => {
  const t = new Uint8Array(256).fill(1);
  for (const c of [0, TAB, LF, SPACE, BRACE_OPEN]) t[c] = 0;
  return t;
})();

/** TYPE words as bytes, for matching without making a string. */
const TYPES: ReadonlyArray<readonly [Uint8Array, 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown']> = [
  [Buffer.from('counter'), 'counter'],
  [Buffer.from('gauge'), 'gauge'],
  [Buffer.from('histogram'), 'histogram'],
  [Buffer.from('summary'), 'summary'],
  [Buffer.from('untyped'), 'unknown'],
];

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

export class PromTextParser extends ParserBase {
  readonly format = 'prometheus-text';

  constructor(body: Uint8Array) {
    // Prometheus appends a newline to the body (NewPromParser); so do we, in a copy.
    const b = Buffer.allocUnsafe(body.length + 1);
    b.set(body);
    b[body.length] = LF;
    super(b);
  }

  help(): string {
    return this.decodeText(this.textStart, this.textEnd, false);
  }

  hasExemplar(): boolean {
    return false;
  }

  exemplar(): ParsedExemplar | undefined {
    return undefined;
  }

  next(): EntryKind {
    if (this.done) return Entry.Eof;
    for (;;) {
      this.resetEntry();
      this.seriesStart = this.i;
      const t = this.token();
      switch (t) {
        case T_EOF:
          return this.endOfInput();
        case T_LINEBREAK:
          continue; // blank line
        case T_HELP:
        case T_TYPE:
          return this.metadata(t);
        case T_COMMENT: {
          this.textStart = this.start;
          this.textEnd = this.i;
          const t2 = this.token();
          if (t2 !== T_LINEBREAK) this.fail(expected('linebreak expected after comment', t2), this.start);
          return Entry.Comment;
        }
        case T_MNAME:
          return this.sample();
        default:
          return this.fail(`"${tokenName(t)}" is not a valid start token`, this.errorOffset(t));
      }
    }
  }

  private metadata(kind: typeof T_HELP | typeof T_TYPE): EntryKind {
    const word = tokenName(kind);
    const t = this.token();
    if (t !== T_MNAME) this.fail(expected(`expected metric name after ${word}`, t), this.errorOffset(t));
    this.metaNameStart = this.start;
    this.metaNameEnd = this.i;
    if (this.token() !== T_TEXT) this.fail(`expected text in ${word}`, this.start);
    // The text token starts with the blank that separated it from the name; Prometheus drops one byte.
    this.textStart = this.i - this.start > 1 ? this.start + 1 : this.i;
    this.textEnd = this.i;
    if (kind === T_TYPE) {
      const type = this.matchWord(TYPES, this.textStart, this.textEnd);
      if (type === undefined) this.fail(`invalid metric type ${quoteGoBytes(this.bytes, this.textStart, this.textEnd)}`, this.textStart);
      this.mtype = type;
    } else if (!this.isUtf8(this.textStart, this.textEnd, this.hasHighBytes(this.textStart, this.textEnd))) {
      this.fail('help text is not a valid utf8 string', this.textStart);
    }
    const t2 = this.token();
    if (t2 !== T_LINEBREAK) this.fail(expected('linebreak expected after metadata', t2), this.errorOffset(t2));
    return kind === T_HELP ? Entry.Help : Entry.Type;
  }

  private sample(): EntryKind {
    this.nameEnd = this.i;
    this.seriesEnd = this.i;
    let t = this.token();
    if (t === T_BRACE_OPEN) {
      this.labelSet();
      this.seriesEnd = this.i;
      t = this.token();
    }
    if (t !== T_VALUE) this.fail(expected('expected value after metric', t), this.errorOffset(t));
    this.setValueFrom(this.start, this.i);
    t = this.token();
    if (t === T_TIMESTAMP) {
      this.hasTs = true;
      try {
        this.ts = parseGoInt64Digits(this.bytes, this.start, this.i);
      } catch (e) {
        if (e instanceof NumberSyntaxError) this.fail(e.message, this.start);
        throw e;
      }
      const t2 = this.token();
      if (t2 !== T_LINEBREAK) this.fail(expected('expected next entry after timestamp', t2), this.errorOffset(t2));
    } else if (t !== T_LINEBREAK) {
      this.fail(expected('expected timestamp or new record', t), this.errorOffset(t));
    }
    return Entry.Series;
  }

  private labelSet(): void {
    let t = this.token();
    for (;;) {
      if (t === T_BRACE_CLOSE) return;
      if (t !== T_LNAME) this.fail(expected('expected label name', t), this.errorOffset(t));
      const nameStart = this.start;
      const nameEnd = this.i;
      const t2 = this.token();
      if (t2 !== T_EQUAL) this.fail(expected('expected equal', t2), this.errorOffset(t2));
      const t3 = this.token();
      if (t3 !== T_LVALUE) this.fail(expected('expected label value', t3), this.errorOffset(t3));
      if (!this.isUtf8(this.start, this.i, this.quotedHasHighBytes)) this.fail('invalid UTF-8 label value', this.start);
      this.addLabel(nameStart, nameEnd, this.start + 1, this.i - 1, this.quotedHasBackslash);
      t = this.token();
      if (t === T_COMMA) t = this.token(); // a trailing comma is allowed
    }
  }

  /** Where an unexpected token is: the byte the lexer stopped at for INVALID, else the token's start. */
  private errorOffset(t: number): number {
    return t === T_INVALID ? this.i : this.start;
  }

  /** The next token that is not a run of blanks. */
  private token(): number {
    for (;;) {
      const t = this.lex();
      if (t !== T_WHITESPACE) return t;
    }
  }

  // ---- The lexer ----

  /** promlexer.next(): the byte after the current one, 0 past the end; NULs skipped in text states. */
  private advance(): number {
    const b = this.bytes;
    let i = ++this.i;
    if (i >= b.length) return 0;
    if (b[i] === 0 && (this.state === S_LVALUE || this.state === S_META2 || this.state === S_COMMENT)) {
      while (b[i] === 0) i++; // ends at the appended newline at the latest
      this.i = i;
    }
    return b[i]!;
  }

  private lex(): number {
    const b = this.bytes;
    if (this.i >= b.length) return T_EOF;
    this.start = this.i;
    let c = b[this.i]!;
    switch (this.state) {
      case S_INIT:
        if (METRIC_START[c]) {
          let i = this.i + 1;
          while (METRIC_CONT[b[i]!]) i++;
          this.i = i;
          this.state = S_VALUE;
          return T_MNAME;
        }
        if (c === LF) {
          this.i++;
          return T_LINEBREAK;
        }
        if (isBlank(c)) return this.blanks();
        if (c === 0) {
          this.i++;
          return T_EOF;
        }
        if (c !== HASH) return T_INVALID;
        c = this.advance();
        if (!isBlank(c)) return this.restOfComment(); // `#` directly followed by text
        while (isBlank(c)) c = this.advance();
        this.state = S_COMMENT;
        return this.commentKeyword(c);
      case S_META1:
        if (METRIC_START[c]) {
          let i = this.i + 1;
          while (METRIC_CONT[b[i]!]) i++;
          this.i = i;
          this.state = S_META2;
          return T_MNAME;
        }
        return isBlank(c) ? this.blanks() : T_INVALID;
      case S_META2:
        return this.metadataText(c);
      case S_LABELS:
        if (LABEL_START[c]) {
          let i = this.i + 1;
          while (LABEL_CONT[b[i]!]) i++;
          this.i = i;
          return T_LNAME;
        }
        if (c === EQUAL) {
          this.i++;
          this.state = S_LVALUE;
          return T_EQUAL;
        }
        if (c === COMMA) {
          this.i++;
          return T_COMMA;
        }
        if (c === BRACE_CLOSE) {
          this.i++;
          this.state = S_VALUE;
          return T_BRACE_CLOSE;
        }
        return isBlank(c) ? this.blanks() : T_INVALID;
      case S_LVALUE:
        if (c === QUOTE) return this.quoted();
        return isBlank(c) ? this.blanks() : T_INVALID;
      case S_VALUE:
        if (c === BRACE_OPEN) {
          this.i++;
          this.state = S_LABELS;
          return T_BRACE_OPEN;
        }
        if (isBlank(c)) return this.blanks();
        if (!VALUE_BYTE[c]) return T_INVALID;
        {
          let i = this.i + 1;
          while (VALUE_BYTE[b[i]!]) i++;
          this.i = i;
        }
        this.state = S_TIMESTAMP;
        return T_VALUE;
      case S_TIMESTAMP:
        if (DIGIT[c]) {
          let i = this.i + 1;
          while (DIGIT[b[i]!]) i++;
          this.i = i;
          return T_TIMESTAMP;
        }
        if (c === LF) {
          this.i++;
          this.state = S_INIT;
          return T_LINEBREAK;
        }
        return isBlank(c) ? this.blanks() : T_INVALID;
      default: // S_COMMENT is only entered from S_INIT, within one lex() call
        return T_INVALID;
    }
  }

  /** `[ \t]+` (NUL bytes in between are stepped over in text states). */
  private blanks(): number {
    let c = this.advance();
    while (isBlank(c)) c = this.advance();
    return T_WHITESPACE;
  }

  /** After `#` and blanks: `HELP` or `TYPE` followed by blanks, else the line is a comment. */
  private commentKeyword(c: number): number {
    const word = c === 0x48 /* H */ ? 'HELP' : c === 0x54 /* T */ ? 'TYPE' : undefined;
    if (word === undefined) return this.restOfComment();
    for (let k = 1; k < 4; k++) {
      c = this.advance();
      if (c !== word.charCodeAt(k)) return this.restOfComment();
    }
    c = this.advance();
    if (!isBlank(c)) return this.restOfComment();
    while (isBlank(c)) c = this.advance();
    this.state = S_META1;
    return word === 'HELP' ? T_HELP : T_TYPE;
  }

  /**
   * consumeComment(): up to the newline. A NUL where it starts, or anywhere in a `#` comment without a
   * blank (where NULs are not stepped over), gives EOF.
   */
  private restOfComment(): number {
    const b = this.bytes;
    let i = this.i;
    if (i >= b.length || b[i] === 0) return T_EOF;
    if (this.state === S_COMMENT) {
      i = b.indexOf(LF, i); // NULs are stepped over; the appended newline ends the scan at the latest
    } else {
      while (b[i] !== LF && b[i] !== 0) i++;
      if (b[i] === 0) {
        this.i = i;
        return T_EOF;
      }
    }
    this.i = i;
    this.state = S_INIT;
    return T_COMMENT;
  }

  /** HELP/TYPE text: blanks alone are whitespace; otherwise everything up to the newline. */
  private metadataText(c: number): number {
    if (isBlank(c)) {
      while (isBlank(c)) c = this.advance();
      if (c === 0 || c === LF) return T_WHITESPACE;
    }
    if (c !== 0 && c !== LF) this.i = this.bytes.indexOf(LF, this.i); // NULs inside are stepped over
    this.state = S_INIT;
    return T_TEXT;
  }

  /** A double-quoted label value: any byte but an unescaped `"` (raw newlines included). */
  private quoted(): number {
    if (!this.scanQuoted(true, true)) return T_INVALID;
    this.state = S_LABELS;
    return T_LVALUE;
  }
}
