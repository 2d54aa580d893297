// Tokens and byte classes shared by the two lexers. Token names are the ones Prometheus prints in its
// parse errors ("expected value after metric, got \"INVALID\"").

export const T_INVALID = -1;
export const T_EOF = 0;
export const T_LINEBREAK = 1;
export const T_WHITESPACE = 2;
export const T_HELP = 3;
export const T_TYPE = 4;
export const T_UNIT = 5;
export const T_EOF_WORD = 6;
export const T_TEXT = 7;
export const T_COMMENT = 8;
export const T_MNAME = 9;
export const T_BRACE_OPEN = 10;
export const T_BRACE_CLOSE = 11;
export const T_LNAME = 12;
export const T_LVALUE = 13;
export const T_COMMA = 14;
export const T_EQUAL = 15;
export const T_TIMESTAMP = 16;
export const T_VALUE = 17;

const NAMES: Record<number, string> = {
  [T_INVALID]: 'INVALID',
  [T_EOF]: 'EOF',
  [T_LINEBREAK]: 'LINEBREAK',
  [T_WHITESPACE]: 'WHITESPACE',
  [T_HELP]: 'HELP',
  [T_TYPE]: 'TYPE',
  [T_UNIT]: 'UNIT',
  [T_EOF_WORD]: 'EOFWORD',
  [T_TEXT]: 'TEXT',
  [T_COMMENT]: 'COMMENT',
  [T_MNAME]: 'MNAME',
  [T_BRACE_OPEN]: 'BOPEN',
  [T_BRACE_CLOSE]: 'BCLOSE',
  [T_LNAME]: 'LNAME',
  [T_LVALUE]: 'LVALUE',
  [T_COMMA]: 'COMMA',
  [T_EQUAL]: 'EQUAL',
  [T_TIMESTAMP]: 'TIMESTAMP',
  [T_VALUE]: 'VALUE',
};

export function tokenName(t: number): string {
  return NAMES[t] ?? `<invalid: ${t}>`;
}

/** Prometheus's parseError: `<expectation>, got "<TOKEN>"`. */
export function expected(what: string, got: number): string {
  return `${what}, got "${tokenName(got)}"`;
}

export const LF = 0x0a;
export const TAB = 0x09;
export const SPACE = 0x20;
export const HASH = 0x23;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const EQUAL = 0x3d;
export const BRACE_OPEN = 0x7b;
export const BRACE_CLOSE = 0x7d;

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `[a-zA-Z_:]`, the first byte of a metric name. */
export const METRIC_START = table((c) => isLetter(c) || c === 0x3a);
/** `[a-zA-Z0-9_:]`. */
export const METRIC_CONT = table((c) => isLetter(c) || isDigit(c) || c === 0x3a);
/** `[a-zA-Z_]`, the first byte of a label name. */
export const LABEL_START = table(isLetter);
/** `[a-zA-Z0-9_]`. */
export const LABEL_CONT = table((c) => isLetter(c) || isDigit(c));
export const DIGIT = table(isDigit);
