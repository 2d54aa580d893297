// A scan of a query as 2.42's lexer sees it (promql/parser/lex.go), used only to word parse errors the way
// Prometheus does: its lexer's own errors ("unclosed left parenthesis", "bad duration syntax", escape
// errors, ...) at the position it reports them, and the description of the token the parser stumbled on
// (`identifier "b"`, `<by>`, `<op:+>`, `end of input`). Structure comes from the lezer grammar.

export interface GoToken {
  /** The item's description as Item.desc() prints it. */
  readonly desc: string;
  readonly start: number;
  readonly end: number;
}

export interface GoLexResult {
  /** Tokens before the first lexer error; the last one is end of input when there is no error. */
  readonly tokens: GoToken[];
  readonly error: { readonly offset: number; readonly message: string } | undefined;
}

const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'start', 'end']);
const WORD_OPERATORS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATORS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlphaNumeric = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);

/** Go's %q of a short string (printable ASCII kept, quotes and backslashes escaped). */
function goQuoteShort(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Item.desc() of a number, string or duration: the kind, then %q of its text (%.10q... past 10 runes). */
function valueDesc(kind: string, text: string): string {
  const runes = [...text];
  return `${kind} ${runes.length > 10 ? goQuoteShort(runes.slice(0, 10).join('')) + '...' : goQuoteShort(text)}`;
}

/** Go's %q of a rune: 'x'. */
function goQuoteRune(ch: string): string {
  if (ch === "'") return "'\\''";
  if (ch === '\\') return "'\\\\'";
  if (ch === '\n') return "'\\n'";
  if (ch === '\t') return "'\\t'";
  return `'${ch}'`;
}

/** Go's %#U: U+0043 'C'. */
function goUnicode(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

class Scanner {
  pos = 0;
  start = 0;
  readonly tokens: GoToken[] = [];
  private parenDepth = 0;
  private bracketOpen = false;
  private braceOpen = false;
  private gotColon = false;

  constructor(private readonly input: string) {}

  private peek(): string | undefined {
    return this.input[this.pos];
  }

  private next(): string | undefined {
    const c = this.input[this.pos];
    if (c !== undefined) this.pos += c.length;
    return c;
  }

  private accept(valid: string): boolean {
    const c = this.peek();
    if (c !== undefined && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  private emit(desc: string): void {
    this.tokens.push({ desc, start: this.start, end: this.pos });
    this.start = this.pos;
  }

  private fail(message: string): GoLexResult {
    return { tokens: this.tokens, error: { offset: this.start, message } };
  }

  run(): GoLexResult {
    for (;;) {
      const r = this.braceOpen ? this.insideBraces() : this.statement();
      if (r) return r;
    }
  }

  /** One step of lexStatements; a result ends the scan. */
  private statement(): GoLexResult | undefined {
    if (this.input.startsWith('#', this.pos)) return this.comment();
    const r = this.next();
    if (r === undefined) {
      if (this.parenDepth !== 0) return this.fail('unclosed left parenthesis');
      if (this.bracketOpen) return this.fail('unclosed left bracket');
      this.emit('end of input');
      return { tokens: this.tokens, error: undefined };
    }
    if (isSpace(r)) {
      while (isSpace(this.peek())) this.pos++;
      this.start = this.pos;
      return undefined;
    }
    switch (r) {
      case ',': this.emit('","'); return undefined;
      case '*': case '/': case '%': case '+': case '-': case '^': this.emit(`<op:${r}>`); return undefined;
      case '=':
        if (this.peek() === '=') { this.pos++; this.emit('<op:==>'); return undefined; }
        if (this.peek() === '~') return this.fail(`unexpected character after '=': ${goQuoteRune('~')}`);
        this.emit('"="');
        return undefined;
      case '!': {
        const t = this.next();
        if (t === '=') { this.emit('<op:!=>'); return undefined; }
        return this.fail(`unexpected character after '!': ${goQuoteRune(t ?? '')}`);
      }
      case '<': case '>':
        if (this.peek() === '=') this.pos++;
        this.emit(`<op:${this.input.slice(this.start, this.pos)}>`);
        return undefined;
      case '"': case "'": return this.string(r);
      case '`': return this.rawString();
      case '(': this.emit('"("'); this.parenDepth++; return undefined;
      case ')':
        if (--this.parenDepth < 0) {
          this.start = this.pos; // 2.42 emits the parenthesis, then the error item replaces it
          return this.fail(`unexpected right parenthesis ${goQuoteRune(')')}`);
        }
        this.emit('")"');
        return undefined;
      case '{': this.emit('"{"'); this.braceOpen = true; return undefined;
      case '[':
        if (this.bracketOpen) return this.fail(`unexpected left bracket ${goQuoteRune('[')}`);
        this.gotColon = false;
        this.emit('"["');
        while (isSpace(this.peek())) this.pos++;
        this.start = this.pos;
        this.bracketOpen = true;
        return this.duration();
      case ']':
        if (!this.bracketOpen) return this.fail(`unexpected right bracket ${goQuoteRune(']')}`);
        this.emit('"]"');
        this.bracketOpen = false;
        return undefined;
      case '@': this.emit('"<Item 57385>" <op:@>'); return undefined; // AT has no ItemTypeStr entry in 2.42
    }
    if (isDigit(r) || (r === '.' && isDigit(this.peek()))) {
      this.pos--;
      return this.numberOrDuration();
    }
    if (isAlpha(r) || r === ':') {
      if (!this.bracketOpen) {
        while (isAlphaNumeric(this.peek()) || this.peek() === ':') this.pos++;
        const word = this.input.slice(this.start, this.pos);
        const lower = word.toLowerCase();
        if (KEYWORDS.has(lower)) this.emit(`<${word}>`);
        else if (WORD_OPERATORS.has(lower)) this.emit(`<op:${word}>`);
        else if (AGGREGATORS.has(lower)) this.emit(`<aggr:${word}>`);
        else if (lower === 'inf' || lower === 'nan') this.emit(valueDesc('number', word));
        else this.emit(`${word.includes(':') ? 'metric identifier' : 'identifier'} ${goQuoteShort(word)}`);
        return undefined;
      }
      if (this.gotColon) return this.fail(`unexpected colon ${goQuoteRune(r)}`);
      this.emit('":"');
      this.gotColon = true;
      return undefined;
    }
    return this.fail(`unexpected character: ${goQuoteRune(r)}`);
  }

  private insideBraces(): GoLexResult | undefined {
    if (this.input.startsWith('#', this.pos)) return this.comment();
    const r = this.next();
    if (r === undefined) return this.fail('unexpected end of input inside braces');
    if (isSpace(r)) {
      while (isSpace(this.peek())) this.pos++;
      this.start = this.pos;
      return undefined;
    }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      this.emit(`identifier ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
      return undefined;
    }
    switch (r) {
      case ',': this.emit('","'); return undefined;
      case '"': case "'": return this.string(r);
      case '`': return this.rawString();
      case '=':
        if (this.peek() === '~') this.pos++;
        this.emit(this.pos - this.start === 2 ? '<op:=~>' : '"="');
        return undefined;
      case '!': {
        const nr = this.next();
        if (nr === '~' || nr === '=') { this.emit(`<op:!${nr}>`); return undefined; }
        return this.fail(`unexpected character after '!' inside braces: ${goQuoteRune(nr ?? '')}`);
      }
      case '{': return this.fail(`unexpected left brace ${goQuoteRune('{')}`);
      case '}': this.emit('"}"'); this.braceOpen = false; return undefined;
    }
    return this.fail(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }

  private comment(): undefined {
    while (this.pos < this.input.length && this.input[this.pos] !== '\n' && this.input[this.pos] !== '\r') this.pos++;
    this.start = this.pos;
    return undefined;
  }

  private string(quote: string): GoLexResult | undefined {
    for (;;) {
      const c = this.next();
      if (c === '\\') {
        const e = this.escape(quote);
        if (e) return this.fail(e);
      } else if (c === undefined || c === '\n') {
        return this.fail('unterminated quoted string');
      } else if (c === quote) break;
    }
    this.emit(valueDesc('string', this.input.slice(this.start, this.pos)));
    return undefined;
  }

  private rawString(): GoLexResult | undefined {
    for (;;) {
      const c = this.next();
      if (c === undefined) return this.fail('unterminated raw string');
      if (c === '`') break;
    }
    this.emit(valueDesc('string', this.input.slice(this.start, this.pos)));
    return undefined;
  }

  /** lexEscape: the error message, if the escape after a backslash is bad. */
  private escape(quote: string): string | undefined {
    let ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    if (ch !== undefined && 'abfnrtv\\'.includes(ch)) return undefined;
    if (ch === quote) return undefined;
    if (ch === undefined) return 'escape sequence not terminated';
    if (ch >= '0' && ch <= '7') [n, base, max] = [3, 8, 255];
    else if (ch === 'x') [ch, n, base, max] = [this.next(), 2, 16, 255];
    else if (ch === 'u') [ch, n, base, max] = [this.next(), 4, 16, 0x10ffff];
    else if (ch === 'U') [ch, n, base, max] = [this.next(), 8, 16, 0x10ffff];
    else return `unknown escape sequence ${goUnicode(ch)}`;
    let x = 0;
    for (; n > 0; n--) {
      const d = ch === undefined ? 16 : parseInt(ch, 16);
      if (!(d < base)) return ch === undefined ? 'escape sequence not terminated' : `illegal character ${goUnicode(ch)} in escape sequence`;
      x = x * base + d;
      if (n > 1) ch = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return 'escape sequence is an invalid Unicode code point';
    return undefined;
  }

  private scanNumber(): boolean {
    let digits = '0123456789';
    if (this.accept('0') && this.accept('xX')) digits = '0123456789abcdefABCDEF';
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789');
    }
    return !isAlphaNumeric(this.peek());
  }

  private remainingDuration(): boolean {
    if (!this.accept('smhdwy')) return false;
    this.accept('s');
    while (this.accept('0123456789')) {
      this.acceptRun('0123456789');
      if (!this.accept('smhdw')) return false;
      this.accept('s');
    }
    const c = this.next();
    if (isAlphaNumeric(c)) return false;
    if (c !== undefined) this.pos -= c.length;
    return true;
  }

  private duration(): GoLexResult | undefined {
    if (this.scanNumber()) return this.fail('missing unit character in duration');
    if (!this.remainingDuration()) return this.fail(`bad duration syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
    this.emit(valueDesc('duration', this.input.slice(this.start, this.pos)));
    return undefined;
  }

  private numberOrDuration(): GoLexResult | undefined {
    if (this.scanNumber()) {
      this.emit(valueDesc('number', this.input.slice(this.start, this.pos)));
      return undefined;
    }
    if (this.remainingDuration()) {
      this.emit(valueDesc('duration', this.input.slice(this.start, this.pos)));
      return undefined;
    }
    return this.fail(`bad number or duration syntax: ${goQuoteShort(this.input.slice(this.start, this.pos))}`);
  }
}

/** Scans `input` as 2.42's lexer would, up to its first error. */
export function goLex(input: string): GoLexResult {
  return new Scanner(input).run();
}
