// The Prometheus HTTP API's query side, mounted under /api/v1: queries, series and label lookups,
// metadata, exemplars, format_query and the status pages. Bodies are read as Go's ParseForm reads them:
// a urlencoded body is form values, any other body is ignored.

import type { FastifyPluginAsync } from 'fastify';
import type { PrometheusConfig } from '../../config/types.js';
import type { EngineOptions } from '../../promql/engine.js';
import type { QueryStorage } from '../../server/storage-seam.js';
import { queryRoutes } from './query.js';
import { handle } from './route.js';
import { seriesMetadataRoutes } from './series-metadata.js';
import { statusRoutes, type BuildInfoFields, type RuntimeStatus } from './status.js';

export type { RuntimeStatus, BuildInfoFields };

export interface QueryApiOptions {
  /** The storage's query view; throws while the storage is not open. */
  readonly storage: () => QueryStorage;
  readonly engine: EngineOptions;
  /** --query.max-concurrency (0: no limit). */
  readonly maxConcurrency?: number;
  readonly runtime: () => RuntimeStatus;
  readonly build: BuildInfoFields;
  readonly flags: Readonly<Record<string, string>>;
  /** The configuration in force (it changes on reload). */
  readonly config: () => PrometheusConfig;
  /** The clock for queries without `time` (ms). */
  readonly now?: () => number;
}

/** Prometheus reads bodies of any size; this bounds one request's form. */
const BODY_LIMIT = 64 << 20;

export const queryApiPlugin: FastifyPluginAsync<QueryApiOptions> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { bodyLimit: BODY_LIMIT }, (_req, payload, done) => {
    payload.resume(); // not a form: drained and ignored
    payload.on('end', () => done(null, undefined));
    payload.on('error', (err) => done(err, undefined));
  });

  app.options('/*', handle(async () => ({ data: undefined })));
  await app.register(queryRoutes, { storage: opts.storage, engine: opts.engine, maxConcurrency: opts.maxConcurrency, now: opts.now });
  await app.register(seriesMetadataRoutes, { storage: opts.storage });
  await app.register(statusRoutes, { storage: opts.storage, runtime: opts.runtime, build: opts.build, flags: opts.flags, config: opts.config });
};
