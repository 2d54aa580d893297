// What --web.config.file makes of the HTTP server: TLS (and HTTP/2 over it), response headers, basic
// auth. Checked at startup (an invalid file stops the server before it listens), then, as exporter-toolkit
// re-reads it for every request and every TLS handshake, re-read whenever the file or a certificate file
// changes: users, passwords, headers, certificates, CAs and TLS settings change without a restart. Whether
// the listener speaks TLS, and HTTP/2, is decided at startup.

import { statSync } from 'node:fs';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { refusedByPolicy, tlsServerSetup, type TlsServerSetup } from './tls.js';
import { readWebConfig, WebConfigError, type WebConfig } from './web-config.js';

export interface WebEdgeLogger {
  error(obj: object, msg?: string): void;
}

export class WebEdge {
  private stamp: string;
  private tlsStamp: string;

  private constructor(
    readonly file: string,
    private current: WebConfig,
    private tlsSetup: TlsServerSetup | undefined,
  ) {
    this.stamp = fileStamp(file);
    this.tlsStamp = this.tlsFilesStamp(current);
  }

  /** Reads and checks `file` (certificates included). Throws WebConfigError. */
  static load(file: string): WebEdge {
    const config = readWebConfig(file);
    return new WebEdge(file, config, config.tls === undefined ? undefined : tlsServerSetup(config.tls));
  }

  /** The TLS options the listener starts with; undefined: plain HTTP. */
  get tls(): TlsServerSetup | undefined {
    return this.tlsSetup;
  }

  /** Whether the listener offers HTTP/2 (over TLS only), as configured at startup. */
  get http2(): boolean {
    return this.tlsSetup !== undefined && this.current.http2;
  }

  /** The configuration in force, re-read first when the file changed. Throws WebConfigError for an invalid new file. */
  config(): WebConfig {
    const stamp = fileStamp(this.file);
    if (stamp !== this.stamp) {
      this.current = readWebConfig(this.file);
      this.stamp = stamp;
    }
    return this.current;
  }

  /**
   * Hooks the TLS server: before each connection's handshake the TLS settings are brought up to date
   * (a connection is refused when the file no longer gives a usable TLS setup), and after it the
   * client-auth policy is enforced where OpenSSL could not.
   */
  attach(server: TlsServer, logger: WebEdgeLogger): void {
    server.prependListener('connection', (socket: { destroy(): void }) => {
      try {
        this.refreshTls(server);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'Unable to load TLS configuration');
        socket.destroy();
      }
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (this.tlsSetup !== undefined && refusedByPolicy(this.tlsSetup.clientAuth, socket)) socket.destroy();
    });
  }

  private refreshTls(server: TlsServer): void {
    const config = this.config();
    if (config.tls === undefined) throw new WebConfigError('TLS config is not present');
    const stamp = this.tlsFilesStamp(config);
    if (stamp === this.tlsStamp) return;
    const setup = tlsServerSetup(config.tls);
    server.setSecureContext(setup.options);
    // Read by the server for each new connection.
    Object.assign(server, { requestCert: setup.options.requestCert, rejectUnauthorized: setup.options.rejectUnauthorized });
    this.tlsSetup = setup;
    this.tlsStamp = stamp;
  }

  private tlsFilesStamp(config: WebConfig): string {
    const t = config.tls;
    if (t === undefined) return this.stamp;
    return [this.stamp, fileStamp(t.certFile), fileStamp(t.keyFile), t.clientCAFile === '' ? '' : fileStamp(t.clientCAFile)].join('|');
  }
}

/** The edge for `--web.config.file=<file>`; undefined for '' (plain HTTP, no authentication). Throws WebConfigError. */
export async function loadWebEdge(file: string): Promise<WebEdge | undefined> {
  return file === '' ? undefined : WebEdge.load(file);
}

/** Identifies a file's current content cheaply: inode, size and modification time ('' when it is gone). */
function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}
