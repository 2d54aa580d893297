// The TSDB admin API, as Prometheus 2.42 serves it (web/api/v1/api.go): POST or PUT
// /api/v1/admin/tsdb/{delete_series,clean_tombstones,snapshot}. Without --web.enable-admin-api every
// one of them answers 500 {"status":"error","errorType":"unavailable","error":"admin APIs disabled"};
// other methods get the router's 405. Parameters come from the query string and from a form body, as
// Go's Request.ParseForm reads them; answers use the API's JSON envelope, or 204 when there is no data.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parseSeriesSelector, type Matcher } from '../model/matchers.js';
import type { PluginContext } from '../server/server.js';
import { MAX_INT64, MIN_INT64 } from '../tsdb/encoding/int64.js';
import { goJson } from './api/json.js';
import { FormValues, timeParam } from './api/params.js';
import { ApiError, errorBody, invalidParam } from './api/respond.js';
import type { WebPluginRegistration } from './app.js';

/** What the admin API asks of the storage (src/tsdb/db.ts's DB provides it). */
export interface AdminStorage {
  /** Marks the samples in [mint, maxt] (ms) of the series matching every matcher as deleted. */
  delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void>;
  /** Rewrites the blocks that have tombstones without the deleted data. */
  cleanTombstones(): Promise<void>;
  /** Hard-links the blocks into `dir` and, with `withHead`, writes the head there as a block. */
  snapshot(dir: string, withHead: boolean): Promise<void>;
}

export interface AdminPluginOptions {
  /** --web.enable-admin-api */
  readonly enabled: boolean;
  /** --storage.tsdb.path: snapshots go to `<dataDir>/snapshots/<name>`. */
  readonly dataDir: string;
  /** The open storage (the routes sit behind the ready gate, so it is open when they run). */
  readonly storage: () => AdminStorage;
}

/** The plugin as the server mounts it (under /api/v1, behind the ready gate), from the server's flags. */
export function adminRegistration(context: PluginContext, storage: () => AdminStorage): WebPluginRegistration {
  const options: AdminPluginOptions = { enabled: context.options.web.enableAdminAPI, dataDir: context.options.tsdb.path, storage };
  return { plugin: adminPlugin, prefix: '/api/v1', options: { ...options } };
}

/** Go's http.Request.ParseForm limit on a urlencoded body. */
const FORM_BODY_LIMIT = 10 << 20;

export const adminPlugin: FastifyPluginAsync<AdminPluginOptions> = async (app, opts) => {
  // ParseForm reads urlencoded bodies and ignores any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, body);
  });
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const route = (url: string, handler: (form: FormValues) => Promise<unknown>): void => {
    app.route({
      method: ['POST', 'PUT'],
      url,
      handler: async (request, reply) => {
        try {
          if (!opts.enabled) throw new ApiError('unavailable', 'admin APIs disabled');
          const data = await handler(FormValues.of(request));
          if (data === undefined) return reply.code(204).send();
          return reply.code(200).header('content-type', 'application/json').send(Buffer.from(goJson({ status: 'success', data })));
        } catch (err) {
          return sendError(reply, err);
        }
      },
    });
    // The router answers other methods with 405 and the methods it has.
    app.route({
      method: ['GET', 'DELETE', 'PATCH'],
      url,
      exposeHeadRoute: false,
      handler: async (_request, reply) => reply.code(405).header('Allow', 'OPTIONS, POST, PUT').type('text/plain; charset=utf-8').send('Method Not Allowed\n'),
    });
  };

  route('/admin/tsdb/delete_series', async (form) => {
    const selectors = form.all('match[]');
    if (selectors.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const start = timeParam(form, 'start', MIN_INT64);
    const end = timeParam(form, 'end', MAX_INT64);
    // Each selector is parsed and applied in turn, as Prometheus does: an invalid one stops there.
    for (const selector of selectors) {
      let matchers: Matcher[];
      try {
        matchers = parseSeriesSelector(selector);
      } catch (err) {
        throw invalidParam('match[]', (err as Error).message);
      }
      try {
        await opts.storage().delete(start, end, matchers);
      } catch (err) {
        throw new ApiError('internal', (err as Error).message);
      }
    }
    return undefined;
  });

  route('/admin/tsdb/clean_tombstones', async () => {
    try {
      await opts.storage().cleanTombstones();
    } catch (err) {
      throw new ApiError('internal', (err as Error).message);
    }
    return undefined;
  });

  route('/admin/tsdb/snapshot', async (form) => {
    let skipHead = false;
    const text = form.get('skip_head');
    if (text !== '') {
      const parsed = parseGoBool(text);
      if (parsed === undefined) throw invalidParam('skip_head', `unable to parse boolean: strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
      skipHead = parsed;
    }
    const name = snapshotName(new Date());
    const dir = join(opts.dataDir, 'snapshots', name);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ApiError('internal', `create snapshot directory: ${(err as Error).message}`);
    }
    try {
      await opts.storage().snapshot(dir, !skipHead);
    } catch (err) {
      throw new ApiError('internal', `create snapshot: ${(err as Error).message}`);
    }
    return { name };
  });
};

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
  return reply.code(e.statusCode).header('content-type', 'application/json').send(Buffer.from(errorBody(e)));
}

/** `<UTC time as 20060102T150405Z>-<16 hex digits of a random int63>`, Prometheus's snapshot name. */
export function snapshotName(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${p(now.getUTCFullYear(), 4)}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}T${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}Z`;
  const random = randomBytes(8);
  random[0]! &= 0x7f; // an int63
  return `${stamp}-${random.toString('hex')}`;
}

/** strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}
