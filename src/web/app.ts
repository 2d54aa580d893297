// The fastify app: this file only composes. Each concern is a plugin of its own (health,
// self-metrics, lifecycle, and whatever API plugins the caller passes in); request
// instrumentation and error rendering are the two things every route shares.

import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyPluginCallback,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from '../logging.js';
import { RouteNotFoundError, WebError } from './errors.js';
import { healthPlugin, requireReady, type Readiness } from './health.js';
import { lifecyclePlugin, type LifecyclePluginOptions } from './lifecycle.js';
import { metricsPlugin, type SelfMetrics } from './self-metrics.js';
import { webConfigHook } from './basic-auth.js';
import type { WebEdge } from './web-edge.js';
import type { Http2Session } from 'node:http2';
import type { Server as TlsServer } from 'node:tls';

/** A plugin to mount, e.g. the remote-write receiver: `{ plugin, options, prefix: '/api/v1' }`. */
export interface WebPluginRegistration {
  // Plugins type their own options; the registration only carries them through.
  readonly plugin: FastifyPluginAsync<any> | FastifyPluginCallback<any>;
  readonly options?: Record<string, unknown>;
  readonly prefix?: string;
  /** Answer 503 "Service Unavailable" until the storage is open, as Prometheus does for its APIs. Default true. */
  readonly requiresReady?: boolean;
}

export interface WebAppOptions {
  readonly logger: Logger;
  readonly readiness: Readiness;
  readonly selfMetrics: SelfMetrics;
  readonly lifecycle: LifecyclePluginOptions;
  readonly plugins?: readonly WebPluginRegistration[];
  /** Time allowed to receive a whole request (--web.read-timeout); 0: no limit. */
  readonly readTimeoutMs?: number;
  /** --web.config.file: TLS (HTTP/2 over it unless disabled), response headers, basic auth. */
  readonly edge?: WebEdge;
}

/** Builds the app with every plugin registered; call `ready()`, `listen()` or `inject()` on the result. */
export function buildWebApp(options: WebAppOptions): FastifyInstance {
  const app = Fastify({
    // pino's Logger is fastify's logger; the cast only drops pino's extra type parameter.
    loggerInstance: options.logger.child({ component: 'web' }) as FastifyBaseLogger,
    // Prometheus does not log requests; /metrics counts them.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: options.readTimeoutMs ?? 0,
    ...serverKind(options.edge),
  }) as unknown as FastifyInstance; // an HTTPS or HTTP/2 server serves the same routes

  const edge = options.edge;
  if (edge !== undefined) {
    app.addHook('onRequest', webConfigHook(edge));
    if (edge.tls !== undefined) edge.attach(app.server as unknown as TlsServer, app.log);
    if (edge.http2) closeHttp2SessionsOnClose(app);
  }

  instrumentRequests(app, options.selfMetrics);
  app.setErrorHandler(renderError);
  app.setNotFoundHandler(async () => {
    throw new RouteNotFoundError();
  });

  app.register(healthPlugin, { readiness: options.readiness });
  app.register(metricsPlugin, { selfMetrics: options.selfMetrics });
  app.register(lifecyclePlugin, options.lifecycle);
  for (const registration of options.plugins ?? []) {
    // Each extra plugin gets a scope of its own, so the ready gate covers exactly its routes.
    app.register(async (scope) => {
      if (registration.requiresReady ?? true) scope.addHook('onRequest', requireReady(options.readiness));
      await scope.register(registration.plugin, { ...registration.options, prefix: registration.prefix });
    });
  }
  return app;
}

/** Fastify's server options for the edge: HTTPS, or HTTP/2 with HTTP/1.1 fallback (ALPN), or plain HTTP. */
function serverKind(edge: WebEdge | undefined): object {
  if (edge?.tls === undefined) return {};
  if (!edge.http2) return { https: edge.tls.options };
  return { http2: true, https: { ...edge.tls.options, allowHTTP1: true } };
}

/**
 * As Go's Shutdown does for HTTP/2: on close every session gets a GOAWAY and ends once its streams are
 * done, instead of an idle session holding the shutdown until its timeout.
 */
function closeHttp2SessionsOnClose(app: FastifyInstance): void {
  const sessions = new Set<Http2Session>();
  app.server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  app.addHook('preClose', async () => {
    for (const session of sessions) session.close();
  });
}

/** Counts every answered request of a known route under its path pattern; unrouted 404s are not counted, as in Prometheus. */
function instrumentRequests(app: FastifyInstance, selfMetrics: SelfMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const handler = request.routeOptions.url;
    if (handler === undefined) return;
    selfMetrics.observeRequest(handler, reply.statusCode, reply.elapsedTime / 1000);
  });
}

/**
 * Coded errors and fastify's own client errors answer with their status and message as plain
 * text, as Prometheus's handlers do; anything else is a 500 and is logged.
 */
async function renderError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const status = error instanceof WebError ? error.statusCode : (error as FastifyError).statusCode;
  const known = status !== undefined && status >= 400 && status < 600;
  if (!known || (status >= 500 && !(error instanceof WebError))) {
    request.log.error({ err: error, url: request.url }, 'request failed');
  }
  reply.code(known ? status : 500).type('text/plain; charset=utf-8');
  return error.message;
}
