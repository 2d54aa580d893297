// The HTTP API of an agent, as 2.42's api.go wraps it (wrapAgent): the routes that need local
// storage answer 422 {"errorType":"execution","error":"unavailable with Prometheus Agent"} before
// doing anything; the others (targets, metadata, status pages but /status/tsdb) work as in server
// mode; remote read answers 500 with the agent storage's "unsupported operation" error.

import type { FastifyPluginAsync } from 'fastify';
import { remoteReadRegistration } from '../remote/read-handler.js';
import type { PluginContext } from '../server/server.js';
import type { DB } from '../server/storage-seam.js';
import { adminRegistration } from './admin.js';
import type { WebPluginRegistration } from './app.js';
import { queryApiRegistration } from './api/registration.js';
import { ApiError, errorBody } from './api/respond.js';

/** Route patterns under /api/v1 that 2.42 registers with wrapAgent. */
const AGENT_REFUSED: readonly { readonly url: string; readonly methods: readonly ('GET' | 'POST' | 'PUT' | 'DELETE')[] }[] = [
  { url: '/query', methods: ['GET', 'POST'] },
  { url: '/query_range', methods: ['GET', 'POST'] },
  { url: '/query_exemplars', methods: ['GET', 'POST'] },
  { url: '/format_query', methods: ['GET', 'POST'] },
  { url: '/labels', methods: ['GET', 'POST'] },
  { url: '/label/:name/values', methods: ['GET'] },
  { url: '/series', methods: ['GET', 'POST', 'DELETE'] },
  { url: '/alertmanagers', methods: ['GET'] },
  { url: '/status/tsdb', methods: ['GET'] },
  { url: '/alerts', methods: ['GET'] },
  { url: '/rules', methods: ['GET'] },
  { url: '/admin/tsdb/delete_series', methods: ['POST', 'PUT'] },
  { url: '/admin/tsdb/clean_tombstones', methods: ['POST', 'PUT'] },
  { url: '/admin/tsdb/snapshot', methods: ['POST', 'PUT'] },
];

const UNAVAILABLE = new ApiError('execution', 'unavailable with Prometheus Agent');
/** The agent storage's ErrUnsupported, which the remote-read handler meets when it asks for a querier. */
export const AGENT_UNSUPPORTED = 'unsupported operation with WAL-only storage';

interface AgentApiOptions {
  readonly inner: readonly WebPluginRegistration[];
}

/** Mounts the inner /api/v1 plugins, with every wrapAgent route answering 422 first (and present even where no inner plugin has it). */
const agentApiPlugin: FastifyPluginAsync<AgentApiOptions> = async (app, opts) => {
  const refused = new Set<string>();
  for (const { url, methods } of AGENT_REFUSED) for (const m of methods) refused.add(`${m} ${app.prefix}${url}`);
  app.addHook('onRequest', async (request, reply) => {
    if (!refused.has(`${request.method} ${request.routeOptions.url}`)) return;
    return reply.code(UNAVAILABLE.statusCode).type('application/json').send(errorBody(UNAVAILABLE));
  });
  for (const r of opts.inner) await app.register(r.plugin, { ...r.options });
  for (const { url, methods } of AGENT_REFUSED) {
    const missing = methods.filter((method) => !app.hasRoute({ method, url: `${app.prefix}${url}` }));
    if (missing.length === 0) continue;
    // Never reached: the hook answers first.
    app.route({ method: [...missing], url, handler: async () => { throw UNAVAILABLE; } });
  }
};

/** The web plugins an agent mounts besides the remote-write receiver. */
export function agentApiRegistrations(context: PluginContext, storage: () => DB): WebPluginRegistration[] {
  const unsupported = (): never => {
    throw new Error(AGENT_UNSUPPORTED);
  };
  // The status pages read the storage's stats; nothing else of it is reached (the hook refuses first).
  const inner = [queryApiRegistration(context, storage), adminRegistration(context, unsupported)];
  return [
    remoteReadRegistration(context, unsupported),
    { plugin: agentApiPlugin, prefix: '/api/v1', options: { inner } },
  ];
}
