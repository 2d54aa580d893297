// Go's mime.ParseMediaType, as far as Prometheus 2.42's parser selection depends on it: textparse.New
// uses the OpenMetrics parser only when the Content-Type parses without error and its media type is
// application/openmetrics-text; any error (bad type, bad or duplicate parameter) means the text parser.

/** unicode.IsSpace. */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

const TSPECIALS = '()<>@,;:\\"/[]?=';

/** RFC 1521 token characters: printable ASCII except space and tspecials. */
function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !TSPECIALS.includes(String.fromCharCode(c));
}

function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return s.slice(i);
}

/** consumeToken: the leading token characters and the rest. */
function consumeToken(s: string): [string, string] {
  let i = 0;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return [s.slice(0, i), s.slice(i)];
}

/** consumeValue: a token or a quoted string (with Go's lenient backslash handling). */
function consumeValue(s: string): [string, string] {
  if (s === '') return ['', ''];
  if (s[0] !== '"') return consumeToken(s);
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const r = s[i]!;
    if (r === '"') return [value, s.slice(i + 1)];
    if (r === '\\' && i + 1 < s.length && TSPECIALS.includes(s[i + 1]!)) {
      value += s[i + 1];
      i++;
      continue;
    }
    if (r === '\r' || r === '\n') return ['', s];
    value += r;
  }
  return ['', s]; // no closing quote
}

/** consumeMediaParam: `; name=value`, or an empty name when there is none. */
function consumeMediaParam(v: string): [string, string, string] {
  let rest = trimLeftSpace(v);
  if (!rest.startsWith(';')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  let param: string;
  [param, rest] = consumeToken(rest);
  param = param.toLowerCase();
  if (param === '') return ['', '', v];
  rest = trimLeftSpace(rest);
  if (!rest.startsWith('=')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  const [value, rest2] = consumeValue(rest);
  if (value === '' && rest2 === rest) return ['', '', v];
  return [param, value, rest2];
}

/** checkMediaTypeDisposition: `type` or `type/subtype`, both tokens. */
function validMediaType(s: string): boolean {
  const [type, rest] = consumeToken(s);
  if (type === '') return false;
  if (rest === '') return true;
  if (!rest.startsWith('/')) return false;
  const [subtype, rest2] = consumeToken(rest.slice(1));
  return subtype !== '' && rest2 === '';
}

/**
 * The lower-cased media type of a Content-Type header value, or undefined when Go's ParseMediaType
 * would return an error for it.
 */
export function parseMediaType(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  const base = semi < 0 ? contentType : contentType.slice(0, semi);
  const mediaType = trimSpace(base).toLowerCase();
  if (!validMediaType(mediaType)) return undefined;
  const seen = new Set<string>();
  let v = contentType.slice(base.length);
  while (v.length > 0) {
    v = trimLeftSpace(v);
    if (v.length === 0) break;
    const [key, , rest] = consumeMediaParam(v);
    if (key === '') {
      if (trimSpace(rest) === ';') break; // a trailing semicolon is not an error
      return undefined;
    }
    if (seen.has(key)) return undefined; // duplicate parameter
    seen.add(key);
    v = rest;
  }
  return mediaType;
}

function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}
