// --web.config.file: Prometheus's web configuration (exporter-toolkit v0.8.2, the version 2.42 ships),
// read as its getConfig reads it: yaml.v2 UnmarshalStrict over the defaults (min_version TLS12,
// max_version TLS13, prefer_server_cipher_suites true, http2 true), relative files joined with the
// file's directory, then the checks of validateHeaderConfig, validateUsers (bcrypt.Cost) and
// ConfigToTLSConfig. Every problem is a WebConfigError naming the field.
//
//   tls_server_config:   cert_file, key_file, client_auth_type, client_ca_file, cipher_suites,
//                        curve_preferences, min_version, max_version, prefer_server_cipher_suites
//   http_server_config:  http2, headers (only the five headers exporter-toolkit allows)
//   basic_auth_users:    user: bcrypt hash

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { BAD, DecodeFailure, YamlDecoder, type Decoded, type YamlNode } from '../config/yaml-decode.js';

export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
export type TlsVersionName = 'TLS10' | 'TLS11' | 'TLS12' | 'TLS13';

export interface TlsServerConfig {
  /** Absolute paths (joined with the web config's directory). */
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientAuth: ClientAuthType;
  /** '' when absent. */
  readonly clientCAFile: string;
  /** Go cipher suite names, as given (empty: the defaults). */
  readonly cipherSuites: readonly string[];
  /** Go curve names (empty: the defaults). */
  readonly curvePreferences: readonly string[];
  readonly minVersion: TlsVersionName;
  readonly maxVersion: TlsVersionName;
  readonly preferServerCipherSuites: boolean;
}

export interface WebConfig {
  /** Absent when the file configures no TLS (exporter-toolkit then serves plain HTTP). */
  readonly tls: TlsServerConfig | undefined;
  /** Offer HTTP/2 over TLS (ALPN). */
  readonly http2: boolean;
  /** Headers added to every response. */
  readonly headers: Readonly<Record<string, string>>;
  /** Basic-auth users and their bcrypt hashes; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
}

/** The web configuration cannot be used; the message names the field and says why. */
export class WebConfigError extends Error {
  override readonly name = 'WebConfigError';
}

/** Cipher suites Go's tls.CipherSuites() lists (the secure ones), with their OpenSSL names. */
export const GO_CIPHER_SUITES: ReadonlyMap<string, string> = new Map([
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
]);

/** exporter-toolkit's curve names, with OpenSSL's. */
export const GO_CURVES: ReadonlyMap<string, string> = new Map([
  ['CurveP256', 'P-256'],
  ['CurveP384', 'P-384'],
  ['CurveP521', 'P-521'],
  ['X25519', 'X25519'],
]);

const TLS_VERSIONS: readonly TlsVersionName[] = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

/** The headers exporter-toolkit lets a config set, with the values it allows (none listed: any). */
const EXTRA_HTTP_HEADERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Strict-Transport-Security', []],
  ['X-Content-Type-Options', ['nosniff']],
  ['X-Frame-Options', ['deny', 'sameorigin']],
  ['X-XSS-Protection', []],
  ['Content-Security-Policy', []],
]);

/** Reads and checks a web configuration file, including its certificate, key and client CA files. */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  return readWebConfig(file);
}

/** loadWebConfig, synchronously (the server re-reads a changed file between requests). */
export function readWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebConfigError(`reading ${file}: ${(err as Error).message}`);
  }
  const config = parseWebConfig(text, dirname(file));
  if (config.tls !== undefined) {
    for (const [field, path] of [['cert_file', config.tls.certFile], ['key_file', config.tls.keyFile], ['client_ca_file', config.tls.clientCAFile]] as const) {
      if (path === '') continue;
      try {
        readFileSync(path);
      } catch (err) {
        throw new WebConfigError(`tls_server_config.${field}: ${(err as Error).message}`);
      }
    }
  }
  return config;
}

/** Parses and checks web configuration text; relative file names are joined with `dir`. */
export function parseWebConfig(text: string, dir: string): WebConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true, lineCounter: lines });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const { line, col } = lines.linePos(yamlError.pos[0]);
    throw new WebConfigError(`yaml: line ${line}, column ${col}: ${yamlError.message.split('\n')[0]}`);
  }
  const dec = new YamlDecoder(doc, lines);
  let raw: RawConfig;
  try {
    raw = decode(dec, doc.contents as YamlNode);
  } catch (err) {
    if (err instanceof DecodeFailure) throw new WebConfigError(err.message);
    throw err;
  }
  if (dec.mismatches.length > 0) {
    throw new WebConfigError(`yaml: unmarshal errors:\n  ${dec.mismatches.map((m) => `${m.text} (${m.path === '' ? 'top level' : m.path})`).join('\n  ')}`);
  }
  checkHeaders(raw.headers);
  for (const [user, hash] of raw.users) {
    const problem = bcryptHashProblem(hash);
    if (problem) throw new WebConfigError(`basic_auth_users.${user}: ${problem}`);
  }
  return { tls: checkTls(raw.tls, dir), http2: raw.http2, headers: raw.headers, users: raw.users };
}

interface RawTls {
  certFile: string;
  keyFile: string;
  clientAuth: string;
  clientCAFile: string;
  cipherSuites: string[];
  curvePreferences: string[];
  minVersion: TlsVersionName;
  maxVersion: TlsVersionName;
  preferServerCipherSuites: boolean;
}

interface RawConfig {
  tls: RawTls;
  http2: boolean;
  headers: Record<string, string>;
  users: Map<string, string>;
}

/** yaml.v2 into exporter-toolkit's Config struct, over its defaults. */
function decode(dec: YamlDecoder, root: YamlNode): RawConfig {
  const c: RawConfig = {
    tls: {
      certFile: '',
      keyFile: '',
      clientAuth: '',
      clientCAFile: '',
      cipherSuites: [],
      curvePreferences: [],
      minVersion: 'TLS12',
      maxVersion: 'TLS13',
      preferServerCipherSuites: true,
    },
    http2: true,
    headers: {},
    users: new Map(),
  };
  if (dec.isNull(root, '')) return c;
  const set = <T>(value: Decoded<T>, apply: (v: T) => void): void => {
    if (value !== BAD) apply(value);
  };
  const t = c.tls;
  const named = (node: YamlNode, path: string, table: ReadonlyMap<string, unknown> | readonly string[], what: string): Decoded<string> => {
    const s = dec.string(node, path);
    if (s === BAD) return BAD;
    const known = Array.isArray(table) ? table.includes(s) : (table as ReadonlyMap<string, unknown>).has(s);
    if (!known) dec.fail(node, path, `unknown ${what}: ${s}`);
    return s;
  };
  dec.struct(root, '', 'web.Config', new Map([
    ['tls_server_config', (n: YamlNode, p: string) => {
      if (dec.isNull(n, p)) return;
      dec.struct(n, p, 'web.TLSConfig', new Map([
        ['cert_file', (v: YamlNode, q: string) => set(dec.string(v, q), (s) => (t.certFile = s))],
        ['key_file', (v: YamlNode, q: string) => set(dec.string(v, q), (s) => (t.keyFile = s))],
        ['client_auth_type', (v: YamlNode, q: string) => set(dec.string(v, q), (s) => (t.clientAuth = s))],
        ['client_ca_file', (v: YamlNode, q: string) => set(dec.string(v, q), (s) => (t.clientCAFile = s))],
        ['cipher_suites', (v: YamlNode, q: string) => set(dec.sequence(v, q, '[]web.Cipher', (e, r) => named(e, r, GO_CIPHER_SUITES, 'cipher')), (s) => (t.cipherSuites = s))],
        ['curve_preferences', (v: YamlNode, q: string) => set(dec.sequence(v, q, '[]web.Curve', (e, r) => named(e, r, GO_CURVES, 'curve')), (s) => (t.curvePreferences = s))],
        ['min_version', (v: YamlNode, q: string) => set(named(v, q, TLS_VERSIONS, 'TLS version'), (s) => (t.minVersion = s as TlsVersionName))],
        ['max_version', (v: YamlNode, q: string) => set(named(v, q, TLS_VERSIONS, 'TLS version'), (s) => (t.maxVersion = s as TlsVersionName))],
        ['prefer_server_cipher_suites', (v: YamlNode, q: string) => set(dec.bool(v, q), (b) => (t.preferServerCipherSuites = b))],
      ]));
    }],
    ['http_server_config', (n: YamlNode, p: string) => {
      if (dec.isNull(n, p)) return;
      dec.struct(n, p, 'web.HTTPConfig', new Map([
        ['http2', (v: YamlNode, q: string) => set(dec.bool(v, q), (b) => (c.http2 = b))],
        ['headers', (v: YamlNode, q: string) => set(dec.mapping(v, q, 'map[string]string', (e, r) => dec.string(e, r)), (m) => (c.headers = Object.fromEntries(m)))],
      ]));
    }],
    ['basic_auth_users', (n: YamlNode, p: string) => set(dec.mapping(n, p, 'map[string]config.Secret', (e, r) => dec.string(e, r)), (m) => (c.users = m))],
  ]));
  return c;
}

/** validateHeaderConfig. */
function checkHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    const allowed = EXTRA_HTTP_HEADERS.get(name);
    if (allowed === undefined) throw new WebConfigError(`http_server_config.headers: HTTP header ${JSON.stringify(name)} can not be configured`);
    if (allowed.length > 0 && !allowed.includes(value)) {
      throw new WebConfigError(
        `http_server_config.headers: invalid value for ${name}. Expected one of: [${allowed.map((v) => JSON.stringify(v)).join(' ')}], but got: ${JSON.stringify(value)}`,
      );
    }
  }
}

/** ConfigToTLSConfig's checks; undefined when nothing about TLS is set (plain HTTP). */
function checkTls(t: RawTls, dir: string): TlsServerConfig | undefined {
  if (t.certFile === '' && t.keyFile === '' && t.clientAuth === '' && t.clientCAFile === '') return undefined;
  if (t.certFile === '') throw new WebConfigError('tls_server_config.cert_file: missing cert_file');
  if (t.keyFile === '') throw new WebConfigError('tls_server_config.key_file: missing key_file');
  let clientAuth: ClientAuthType;
  switch (t.clientAuth) {
    case '':
    case 'NoClientCert':
      clientAuth = 'NoClientCert';
      break;
    case 'RequireClientCert': // kept by exporter-toolkit for backwards compatibility
      clientAuth = 'RequireAnyClientCert';
      break;
    case 'RequestClientCert':
    case 'RequireAnyClientCert':
    case 'VerifyClientCertIfGiven':
    case 'RequireAndVerifyClientCert':
      clientAuth = t.clientAuth;
      break;
    default:
      throw new WebConfigError(`tls_server_config.client_auth_type: Invalid ClientAuth: ${t.clientAuth}`);
  }
  if (t.clientCAFile !== '' && clientAuth === 'NoClientCert') {
    throw new WebConfigError("tls_server_config.client_ca_file: Client CA's have been configured without a Client Auth Policy");
  }
  return {
    certFile: joinDir(dir, t.certFile),
    keyFile: joinDir(dir, t.keyFile),
    clientAuth,
    clientCAFile: joinDir(dir, t.clientCAFile),
    cipherSuites: t.cipherSuites,
    curvePreferences: t.curvePreferences,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    preferServerCipherSuites: t.preferServerCipherSuites,
  };
}

/** config_util.JoinDir: a relative, non-empty path is taken from `dir`. */
function joinDir(dir: string, path: string): string {
  return path === '' || isAbsolute(path) ? path : join(dir, path);
}

/** Why Go's bcrypt.Cost refuses a hash (undefined: it is a usable bcrypt hash), with Go's messages. */
export function bcryptHashProblem(hash: string): string | undefined {
  if (hash.length < 59) return 'crypto/bcrypt: hashedSecret too short to be a bcrypted password';
  if (hash[0] !== '$') return `crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${hash[0]}'`;
  if (hash[1]! > '2') return `crypto/bcrypt: bcrypt algorithm version '${hash[1]}' requested is newer than current version '2'`;
  const at = hash[2] === '$' ? 3 : 4;
  const costText = hash.slice(at, at + 2);
  if (!/^[+-]?\d+$/.test(costText)) return `strconv.Atoi: parsing ${JSON.stringify(costText)}: invalid syntax`;
  const cost = Number(costText);
  if (cost < 4 || cost > 31) return `crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`;
  return undefined;
}
