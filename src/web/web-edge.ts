// What --web.config.file makes of the HTTP server: TLS (and HTTP/2 over it), response headers, basic
// auth. Loaded and checked once at startup; an invalid file stops the server before it listens.

import { tlsServerSetup, type TlsServerSetup } from './tls.js';
import { loadWebConfig, type WebConfig } from './web-config.js';

export interface WebEdge {
  readonly config: WebConfig;
  /** Absent: plain HTTP. */
  readonly tls: TlsServerSetup | undefined;
}

/** The edge for `--web.config.file=<file>`; undefined for '' (plain HTTP, no authentication). Throws WebConfigError. */
export async function loadWebEdge(file: string): Promise<WebEdge | undefined> {
  if (file === '') return undefined;
  const config = await loadWebConfig(file);
  return { config, tls: config.tls === undefined ? undefined : await tlsServerSetup(config.tls) };
}
