// prometheus/common v0.39's HTTPClientConfig, TLSConfig, BasicAuth, Authorization and OAuth2, as they
// appear inline in scrape_configs, remote_write, remote_read, alertmanagers and http_sd_configs: the
// fields, their defaults (follow_redirects and enable_http2 true) and Validate with its messages.

import { BAD, type FieldHandler, type YamlDecoder, type YamlNode } from './yaml-decode.js';
import { assign, joinDir, secretValue, stringListValue, stringMapValue, urlValue, type DecodeContext } from './decode-values.js';
import type { Authorization, BasicAuth, HttpClientConfig, OAuth2, TlsConfig, TlsVersion } from './types.js';

/** The HTTP client fields as read, before Validate. */
export interface HttpClientDraft {
  basicAuth: Mutable<BasicAuth> | undefined;
  authorization: Mutable<Authorization> | undefined;
  oauth2: Mutable<OAuth2> | undefined;
  bearerToken: string;
  bearerTokenFile: string;
  proxyUrl: string;
  proxyConnectHeader: Record<string, readonly string[]>;
  tlsConfig: Mutable<TlsConfig>;
  followRedirects: boolean;
  enableHttp2: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function defaultHttpClientDraft(): HttpClientDraft {
  return {
    basicAuth: undefined,
    authorization: undefined,
    oauth2: undefined,
    bearerToken: '',
    bearerTokenFile: '',
    proxyUrl: '',
    proxyConnectHeader: {},
    tlsConfig: emptyTlsConfig(),
    followRedirects: true,
    enableHttp2: true,
  };
}

function emptyTlsConfig(): Mutable<TlsConfig> {
  return { caFile: '', certFile: '', keyFile: '', serverName: '', insecureSkipVerify: false, minVersion: undefined, maxVersion: undefined };
}

/** Adds the inline HTTP client fields to a structure's field table. */
export function addHttpClientFields(ctx: DecodeContext, fields: Map<string, FieldHandler>, draft: HttpClientDraft): void {
  const { dec } = ctx;
  fields.set('basic_auth', (n, p) => {
    if (dec.isNull(n, p)) return void (draft.basicAuth = undefined);
    const b: Mutable<BasicAuth> = { username: '', password: '', passwordFile: '' };
    const ok = dec.struct(n, p, 'config.plain', new Map<string, FieldHandler>([
      ['username', (v, q) => assign(b, 'username', dec.string(v, q))],
      ['password', (v, q) => assign(b, 'password', secretValue(dec, v, q))],
      ['password_file', (v, q) => assign(b, 'passwordFile', dec.string(v, q))],
    ]));
    if (ok) draft.basicAuth = b;
  });
  fields.set('authorization', (n, p) => {
    if (dec.isNull(n, p)) return void (draft.authorization = undefined);
    const a: Mutable<Authorization> = { type: '', credentials: '', credentialsFile: '' };
    const ok = dec.struct(n, p, 'config.Authorization', new Map<string, FieldHandler>([
      ['type', (v, q) => assign(a, 'type', dec.string(v, q))],
      ['credentials', (v, q) => assign(a, 'credentials', secretValue(dec, v, q))],
      ['credentials_file', (v, q) => assign(a, 'credentialsFile', dec.string(v, q))],
    ]));
    if (ok) draft.authorization = a;
  });
  fields.set('oauth2', (n, p) => {
    if (dec.isNull(n, p)) return void (draft.oauth2 = undefined);
    const o = decodeOAuth2(ctx, n, p);
    if (o !== BAD) draft.oauth2 = o;
  });
  fields.set('bearer_token', (n, p) => assign(draft, 'bearerToken', secretValue(dec, n, p)));
  fields.set('bearer_token_file', (n, p) => assign(draft, 'bearerTokenFile', dec.string(n, p)));
  fields.set('proxy_url', (n, p) => {
    const u = urlValue(dec, n, p);
    if (u !== BAD) draft.proxyUrl = u?.text ?? '';
  });
  fields.set('proxy_connect_header', (n, p) => {
    const m = dec.mapping(n, p, 'config.Header', (v, q) => dec.sequence(v, q, '[]config.Secret', (s, r) => secretValue(dec, s, r)));
    if (m !== BAD) draft.proxyConnectHeader = Object.fromEntries(m);
  });
  fields.set('tls_config', (n, p) => {
    const t = decodeTlsConfig(dec, n, p);
    if (t !== BAD) draft.tlsConfig = t;
  });
  fields.set('follow_redirects', (n, p) => assign(draft, 'followRedirects', dec.bool(n, p)));
  fields.set('enable_http2', (n, p) => assign(draft, 'enableHttp2', dec.bool(n, p)));
}

const TLS_VERSIONS: ReadonlySet<string> = new Set(['TLS13', 'TLS12', 'TLS11', 'TLS10']);

/** config.TLSConfig (named config.plain in messages); null is the zero configuration. */
export function decodeTlsConfig(dec: YamlDecoder, node: YamlNode, path: string): Mutable<TlsConfig> | typeof BAD {
  const t = emptyTlsConfig();
  if (dec.isNull(node, path)) return t;
  const version = (key: 'minVersion' | 'maxVersion'): FieldHandler => (v, q) => {
    if (dec.isNull(v, q)) return void (t[key] = undefined);
    const text = dec.string(v, q);
    if (text === BAD) return;
    if (!TLS_VERSIONS.has(text)) dec.fail(v, q, `unknown TLS version: ${text}`);
    t[key] = text as TlsVersion;
  };
  const ok = dec.struct(node, path, 'config.plain', new Map<string, FieldHandler>([
    ['ca_file', (v, q) => assign(t, 'caFile', dec.string(v, q))],
    ['cert_file', (v, q) => assign(t, 'certFile', dec.string(v, q))],
    ['key_file', (v, q) => assign(t, 'keyFile', dec.string(v, q))],
    ['server_name', (v, q) => assign(t, 'serverName', dec.string(v, q))],
    ['insecure_skip_verify', (v, q) => assign(t, 'insecureSkipVerify', dec.bool(v, q))],
    ['min_version', version('minVersion')],
    ['max_version', version('maxVersion')],
  ]));
  return ok ? t : BAD;
}

function decodeOAuth2(ctx: DecodeContext, node: YamlNode, path: string): Mutable<OAuth2> | typeof BAD {
  const { dec } = ctx;
  const o: Mutable<OAuth2> = {
    clientId: '',
    clientSecret: '',
    clientSecretFile: '',
    scopes: [],
    tokenUrl: '',
    endpointParams: {},
    proxyUrl: '',
    tlsConfig: emptyTlsConfig(),
  };
  const ok = dec.struct(node, path, 'config.OAuth2', new Map<string, FieldHandler>([
    ['client_id', (v, q) => assign(o, 'clientId', dec.string(v, q))],
    ['client_secret', (v, q) => assign(o, 'clientSecret', secretValue(dec, v, q))],
    ['client_secret_file', (v, q) => assign(o, 'clientSecretFile', dec.string(v, q))],
    ['scopes', (v, q) => assign(o, 'scopes', stringListValue(dec, v, q))],
    ['token_url', (v, q) => assign(o, 'tokenUrl', dec.string(v, q))],
    ['endpoint_params', (v, q) => assign(o, 'endpointParams', stringMapValue(dec, v, q))],
    ['proxy_url', (v, q) => {
      const u = urlValue(dec, v, q);
      if (u !== BAD) o.proxyUrl = u?.text ?? '';
    }],
    ['tls_config', (v, q) => {
      const t = decodeTlsConfig(dec, v, q);
      if (t !== BAD) o.tlsConfig = t;
    }],
  ]));
  return ok ? o : BAD;
}

/**
 * HTTPClientConfig.Validate: the first rule broken stops loading (`fail` gets Prometheus's message).
 * Also folds bearer_token / bearer_token_file into authorization and defaults its type to Bearer.
 */
export function validateHttpClient(d: HttpClientDraft, fail: (reason: string) => never): void {
  if (d.bearerToken !== '' && d.bearerTokenFile !== '') fail('at most one of bearer_token & bearer_token_file must be configured');
  if ((d.basicAuth !== undefined || d.oauth2 !== undefined) && (d.bearerToken !== '' || d.bearerTokenFile !== '')) {
    fail('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  }
  if (d.basicAuth !== undefined && d.basicAuth.password !== '' && d.basicAuth.passwordFile !== '') {
    fail('at most one of basic_auth password & password_file must be configured');
  }
  if (d.authorization !== undefined) {
    if (d.bearerToken !== '' || d.bearerTokenFile !== '') fail('authorization is not compatible with bearer_token & bearer_token_file');
    if (d.authorization.credentials !== '' && d.authorization.credentialsFile !== '') {
      fail('at most one of authorization credentials & credentials_file must be configured');
    }
    d.authorization.type = d.authorization.type.trim();
    if (d.authorization.type === '') d.authorization.type = 'Bearer';
    if (d.authorization.type.toLowerCase() === 'basic') fail('authorization type cannot be set to "basic", use "basic_auth" instead');
    if (d.basicAuth !== undefined || d.oauth2 !== undefined) fail('at most one of basic_auth, oauth2 & authorization must be configured');
  } else {
    foldBearerToken(d);
  }
  if (d.oauth2 !== undefined) {
    if (d.basicAuth !== undefined) fail('at most one of basic_auth, oauth2 & authorization must be configured');
    if (d.oauth2.clientId === '') fail('oauth2 client_id must be configured');
    if (d.oauth2.clientSecret === '' && d.oauth2.clientSecretFile === '') fail('either oauth2 client_secret or client_secret_file must be configured');
    if (d.oauth2.tokenUrl === '') fail('oauth2 token_url must be configured');
    if (d.oauth2.clientSecret !== '' && d.oauth2.clientSecretFile !== '') fail('at most one of oauth2 client_secret & client_secret_file must be configured');
  }
  if (Object.keys(d.proxyConnectHeader).length > 0 && d.proxyUrl === '') {
    fail('if proxy_connect_header is configured proxy_url must also be configured');
  }
}

/** The bearer-token folding of Validate alone (http_sd_configs are not validated when loaded). */
export function foldBearerToken(d: HttpClientDraft): void {
  if (d.authorization !== undefined) return;
  if (d.bearerToken !== '') d.authorization = { type: 'Bearer', credentials: d.bearerToken, credentialsFile: '' };
  if (d.bearerTokenFile !== '') d.authorization = { type: 'Bearer', credentials: '', credentialsFile: d.bearerTokenFile };
  d.bearerToken = '';
  d.bearerTokenFile = '';
}

/** The validated client, frozen, with file paths resolved against the configuration's directory. */
export function freezeHttpClient(ctx: DecodeContext, d: HttpClientDraft): HttpClientConfig {
  return Object.freeze({
    basicAuth: d.basicAuth && Object.freeze({ ...d.basicAuth, passwordFile: joinDir(ctx, d.basicAuth.passwordFile) }),
    authorization: d.authorization && Object.freeze({ ...d.authorization, credentialsFile: joinDir(ctx, d.authorization.credentialsFile) }),
    oauth2:
      d.oauth2 &&
      Object.freeze({
        ...d.oauth2,
        clientSecretFile: joinDir(ctx, d.oauth2.clientSecretFile),
        scopes: Object.freeze([...d.oauth2.scopes]),
        tlsConfig: freezeTlsConfig(ctx, d.oauth2.tlsConfig),
      }),
    proxyUrl: d.proxyUrl,
    proxyConnectHeader: Object.freeze({ ...d.proxyConnectHeader }),
    tlsConfig: freezeTlsConfig(ctx, d.tlsConfig),
    followRedirects: d.followRedirects,
    enableHttp2: d.enableHttp2,
  });
}

export function freezeTlsConfig(ctx: DecodeContext, t: TlsConfig): TlsConfig {
  return Object.freeze({ ...t, caFile: joinDir(ctx, t.caFile), certFile: joinDir(ctx, t.certFile), keyFile: joinDir(ctx, t.keyFile) });
}
