// The TLS side of --web.config.file: exporter-toolkit's tls_server_config as Node's TLS server options.
//
// Go's client-auth policies map onto OpenSSL's two switches (request a certificate, reject an
// unverified one). The two policies OpenSSL cannot express in the handshake (a certificate required
// but not verified, verified only when given) are enforced as soon as the handshake completes, before
// the connection can carry a request. TLS 1.3 cipher suites are not configurable in Go, so those names
// are accepted and left to the defaults, as Go leaves them.

import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TlsOptions, type TLSSocket } from 'node:tls';
import { GO_CIPHER_SUITES, GO_CURVES, WebConfigError, type ClientAuthType, type TlsServerConfig, type TlsVersionName } from './web-config.js';

const NODE_TLS_VERSION: Record<TlsVersionName, SecureContextOptions['minVersion']> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

export interface TlsServerSetup {
  /** Options for https.createServer / http2.createSecureServer (and setSecureContext on a change). */
  readonly options: TlsOptions;
  readonly clientAuth: ClientAuthType;
}

/** Reads the certificate, key and client CA files and builds the server's TLS options; errors name the field. */
export function tlsServerSetup(t: TlsServerConfig): TlsServerSetup {
  const read = (field: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new WebConfigError(`tls_server_config.${field}: ${(err as Error).message}`);
    }
  };
  const cert = read('cert_file', t.certFile);
  const key = read('key_file', t.keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new WebConfigError(`tls_server_config: failed to load X509KeyPair: ${(err as Error).message}`);
  }
  const options: TlsOptions = {
    cert,
    key,
    minVersion: NODE_TLS_VERSION[t.minVersion],
    maxVersion: NODE_TLS_VERSION[t.maxVersion],
    honorCipherOrder: t.preferServerCipherSuites,
  };
  const tls12Suites = t.cipherSuites.filter((name) => !name.startsWith('TLS_AES_') && !name.startsWith('TLS_CHACHA20_'));
  if (tls12Suites.length > 0) options.ciphers = tls12Suites.map((name) => GO_CIPHER_SUITES.get(name)!).join(':');
  if (t.curvePreferences.length > 0) options.ecdhCurve = t.curvePreferences.map((name) => GO_CURVES.get(name)!).join(':');
  if (t.clientCAFile !== '') options.ca = read('client_ca_file', t.clientCAFile);
  options.requestCert = t.clientAuth !== 'NoClientCert';
  options.rejectUnauthorized = t.clientAuth === 'RequireAndVerifyClientCert';
  try {
    createSecureContext(options);
  } catch (err) {
    throw new WebConfigError(`tls_server_config: ${(err as Error).message}`);
  }
  return { options, clientAuth: t.clientAuth };
}

/**
 * Whether a completed handshake breaks the client-auth policy where OpenSSL could not enforce it:
 * RequireAnyClientCert without a certificate, VerifyClientCertIfGiven with one that does not verify.
 */
export function refusedByPolicy(clientAuth: ClientAuthType, socket: TLSSocket): boolean {
  if (clientAuth === 'RequireAnyClientCert') return !hasPeerCertificate(socket);
  if (clientAuth === 'VerifyClientCertIfGiven') return hasPeerCertificate(socket) && !socket.authorized;
  return false;
}

function hasPeerCertificate(socket: TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== null && Object.keys(cert).length > 0;
}
