// The TSDB admin API, as Prometheus 2.42 serves it (web/api/v1/api.go): POST or PUT
// /api/v1/admin/tsdb/{delete_series,clean_tombstones,snapshot}. Without --web.enable-admin-api every
// one of them answers 500 {"status":"error","errorType":"unavailable","error":"admin APIs disabled"};
// other methods get the router's 405. Parameters come from the query string and from a form body, as
// Go's Request.ParseForm reads them; answers use the API's JSON envelope, or 204 when there is no data.

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseSeriesSelector, type Matcher } from '../model/matchers.js';
import type { PluginContext } from '../server/server.js';
import { MAX_INT64, MIN_INT64 } from '../tsdb/encoding/int64.js';
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

type ErrorType = 'bad_data' | 'internal' | 'unavailable';

/** respondError's status per error type ("unavailable" falls to its default branch: 500). */
const STATUS: Record<ErrorType, number> = { bad_data: 400, internal: 500, unavailable: 500 };

class AdminApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** Go's http.Request.ParseForm limit on a urlencoded body. */
const FORM_BODY_LIMIT = 10 << 20;

export const adminPlugin: FastifyPluginAsync<AdminPluginOptions> = async (app, opts) => {
  // ParseForm reads urlencoded bodies and ignores any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const route = (url: string, handler: (form: Form) => Promise<unknown>): void => {
    app.route({
      method: ['POST', 'PUT'],
      url,
      handler: async (request, reply) => {
        try {
          if (!opts.enabled) throw new AdminApiError('unavailable', 'admin APIs disabled');
          const data = await handler(new Form(request));
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
    const selectors = form.values('match[]');
    if (selectors.length === 0) throw new AdminApiError('bad_data', 'no match[] parameter provided');
    const start = parseTimeParam(form, 'start', MIN_INT64);
    const end = parseTimeParam(form, 'end', MAX_INT64);
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
        throw new AdminApiError('internal', (err as Error).message);
      }
    }
    return undefined;
  });

  route('/admin/tsdb/clean_tombstones', async () => {
    try {
      await opts.storage().cleanTombstones();
    } catch (err) {
      throw new AdminApiError('internal', (err as Error).message);
    }
    return undefined;
  });

  route('/admin/tsdb/snapshot', async (form) => {
    let skipHead = false;
    const text = form.value('skip_head');
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
      throw new AdminApiError('internal', `create snapshot directory: ${(err as Error).message}`);
    }
    try {
      await opts.storage().snapshot(dir, !skipHead);
    } catch (err) {
      throw new AdminApiError('internal', `create snapshot: ${(err as Error).message}`);
    }
    return { name };
  });
};

/** The request's form: the urlencoded body's values first, then the query string's (Go's r.Form). */
class Form {
  private readonly body: URLSearchParams | undefined;
  private readonly query: URLSearchParams;

  constructor(request: FastifyRequest) {
    this.body = request.body instanceof URLSearchParams ? request.body : undefined;
    const q = request.url.indexOf('?');
    this.query = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
  }

  values(name: string): string[] {
    return [...(this.body?.getAll(name) ?? []), ...this.query.getAll(name)];
  }

  /** FormValue: the first value, or "". */
  value(name: string): string {
    return this.values(name)[0] ?? '';
  }
}

function invalidParam(name: string, cause: string): AdminApiError {
  return new AdminApiError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${cause}`);
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = err instanceof AdminApiError ? err : new AdminApiError('internal', (err as Error).message);
  const body = goJson({ status: 'error', errorType: e.type, error: e.message });
  return reply.code(STATUS[e.type]).header('content-type', 'application/json').send(Buffer.from(body));
}

/** JSON as Go's encoding/json writes it: <, >, & and U+2028/U+2029 escaped as \u00XX. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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

/** parseTimeParam: absent or empty gives the default; otherwise parseTime, its error naming the parameter. */
function parseTimeParam(form: Form, name: string, fallback: number): number {
  const text = form.value(name);
  if (text === '') return fallback;
  const ms = parseApiTime(text);
  if (ms === undefined) throw invalidParam(name, `Invalid time value for '${name}': cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  return ms;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The API's time parameter in milliseconds, as 2.42's parseTime reads it: Unix seconds as a decimal
 * (the fraction rounded to milliseconds, then through time.Unix and timestamp.FromTime), or RFC 3339
 * with optional fractional seconds (truncated to milliseconds). Undefined when neither parses.
 */
export function parseApiTime(s: string): number | undefined {
  if (DECIMAL.test(s)) {
    const f = Number(s);
    if (!Number.isFinite(f)) return undefined;
    let sec = Math.trunc(f);
    const frac = f - sec;
    const rounded = (Math.sign(frac) * Math.round(Math.abs(frac * 1000))) / 1000;
    let nsec = Math.trunc(rounded * 1e9);
    if (nsec < 0 || nsec >= 1e9) {
      const carry = Math.floor(nsec / 1e9);
      sec += carry;
      nsec -= carry * 1e9;
    }
    return sec * 1000 + Math.trunc(nsec / 1e6);
  }
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMin = 0;
  const zone = m[8]!;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  return utc.getTime() - offsetMin * 60_000 + millis;
}
