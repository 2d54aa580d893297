// Go string literals as PromQL writes them (prometheus/util/strutil.Unquote): "double" and 'single'
// quotes with Go escapes, and `raw` back quotes without escapes (carriage returns dropped, as Go does).

export class StringLiteralError extends Error {
  override readonly name = 'StringLiteralError';
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
const UTF8 = new TextDecoder('utf-8');
const ENCODER = new TextEncoder();

/** The value of a quoted literal (quotes included in `text`). Throws StringLiteralError when malformed. */
export function unquoteString(text: string): string {
  const quote = text[0];
  if (text.length < 2 || text[text.length - 1] !== quote) throw new StringLiteralError('unterminated quoted string');
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new StringLiteralError('invalid syntax');
    return body.replaceAll('\r', '');
  }
  if (quote !== '"' && quote !== "'") throw new StringLiteralError('invalid syntax');
  if (!body.includes('\\')) {
    if (body.includes(quote) || body.includes('\n')) throw new StringLiteralError('invalid syntax');
    return body;
  }
  const bytes: number[] = [];
  const pushText = (s: string): void => {
    for (const b of ENCODER.encode(s)) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === quote || c === '\n') throw new StringLiteralError('invalid syntax');
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new StringLiteralError('invalid syntax');
    i += 2;
    if (e in SIMPLE) bytes.push(SIMPLE[e]!);
    else if (e === quote) bytes.push(e.charCodeAt(0));
    else if (e === 'x') {
      bytes.push(hexValue(body, i, 2));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const cp = hexValue(body, i, n);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new StringLiteralError('invalid syntax');
      pushText(String.fromCodePoint(cp));
      i += n;
    } else if (e >= '0' && e <= '7') {
      const digits = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(digits)) throw new StringLiteralError('invalid syntax');
      const v = parseInt(digits, 8);
      if (v > 255) throw new StringLiteralError('invalid syntax');
      bytes.push(v);
      i += 2;
    } else throw new StringLiteralError('invalid syntax');
  }
  return UTF8.decode(Uint8Array.from(bytes));
}

function hexValue(s: string, at: number, n: number): number {
  const digits = s.slice(at, at + n);
  if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) throw new StringLiteralError('invalid syntax');
  return parseInt(digits, 16);
}
