// Go's net/url.Parse (Go 1.19), for the URLs in a Prometheus configuration (remote_write/remote_read
// `url`, `proxy_url`, http_sd `url`): which texts it refuses, with its messages (`parse "://x": missing
// protocol scheme`), and the parts Prometheus looks at (scheme, host). Go is lenient: "localhost:9090"
// parses (scheme "localhost", opaque "9090") and so does a bare path.

import { goQuote } from '../format/go-quote.js';

export class GoUrlError extends Error {
  override readonly name = 'GoUrlError';
}

export interface GoUrl {
  /** Lower-cased, as Go stores it. */
  readonly scheme: string;
  readonly opaque: string;
  readonly user: string | undefined;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

/** Parses like url.Parse; throws GoUrlError with Go's message. */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  let parsed: Omit<GoUrl, 'fragment'>;
  try {
    parsed = parseWithoutFragment(u);
  } catch (err) {
    throw new GoUrlError(`parse ${goQuote(u)}: ${(err as Error).message}`);
  }
  let fragment = '';
  if (hash >= 0) {
    try {
      fragment = unescape(raw.slice(hash + 1), 'fragment');
    } catch (err) {
      throw new GoUrlError(`parse ${goQuote(raw)}: ${(err as Error).message}`);
    }
  }
  return { ...parsed, fragment };
}

function parseWithoutFragment(raw: string): Omit<GoUrl, 'fragment'> {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL');
  const empty = { scheme: '', opaque: '', user: undefined, host: '', path: '', rawQuery: '' };
  if (raw === '*') return { ...empty, path: '*' };
  const { scheme, rest: afterScheme } = getScheme(raw);
  let rest = afterScheme;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { ...empty, scheme, opaque: rest, rawQuery };
    const slash = rest.indexOf('/');
    const segment = slash < 0 ? rest : rest.slice(0, slash);
    if (segment.includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  let user: string | undefined;
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    ({ user, host } = parseAuthority(authority));
  }
  const path = unescape(rest, 'path');
  return { scheme, opaque: '', user, host, path, rawQuery };
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme');
      return { scheme: raw.slice(0, i).toLowerCase(), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parseAuthority(authority: string): { user: string | undefined; host: string } {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new Error('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { user: unescape(userinfo, 'userinfo'), host };
  unescape(userinfo.slice(colon + 1), 'userinfo');
  return { user: unescape(userinfo.slice(0, colon), 'userinfo'), host };
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0) throw new Error("missing ']' in host");
    const colonPort = host.slice(end + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`);
    const zone = host.slice(0, end).indexOf('%25');
    if (zone >= 0) {
      return unescape(host.slice(0, zone), 'host') + unescape(host.slice(zone, end), 'zone') + unescape(host.slice(end), 'host');
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) {
      const colonPort = host.slice(colon);
      if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, 'host');
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

type Mode = 'path' | 'host' | 'zone' | 'userinfo' | 'fragment';

const HOST_SUBDELIMS = new Set([...'!$&\'()*+,;=:[]<>"']);

/** Percent-decoding with Go's checks; the text is only validated and decoded, never re-encoded. */
function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      const value = parseInt(s.slice(i + 1, i + 3), 16);
      if (mode === 'host' && value < 0x80 && s.slice(i, i + 3) !== '%25') {
        throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      if (mode === 'zone' && value < 0x80 && s.slice(i, i + 3) !== '%25' && shouldEscapeInHost(value)) {
        throw new Error(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      bytes.push(value);
      i += 3;
      continue;
    }
    const code = c.charCodeAt(0);
    if ((mode === 'host' || mode === 'zone') && code < 0x80 && shouldEscapeInHost(code)) {
      throw new Error(`invalid character ${goQuote(c)} in host name`);
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    bytes.push(...encoder.encode(ch));
    i += ch.length;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function shouldEscapeInHost(code: number): boolean {
  const c = String.fromCharCode(code);
  if (/[A-Za-z0-9\-_.~]/.test(c)) return false;
  return !HOST_SUBDELIMS.has(c);
}
