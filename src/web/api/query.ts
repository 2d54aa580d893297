// /api/v1/query, /api/v1/query_range, /api/v1/query_exemplars and /api/v1/format_query, with Prometheus
// 2.42's parameter checks in its order and its messages (web/api/v1/api.go query, queryRange,
// queryExemplars, formatQuery), and results rendered as its JSON.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { walk, type Expr } from '../../promql/ast.js';
import { Engine, type EngineOptions } from '../../promql/engine.js';
import { QueryCanceledError, QueryTimeoutError } from '../../promql/errors.js';
import { parseExpr, PromQLParseError, typeOf } from '../../promql/parser.js';
import type { Queryable } from '../../promql/queryable.js';
import type { RangeSeries, Value } from '../../promql/value.js';
import type { QueryStorage } from '../../server/storage-seam.js';
import { goFixed, goJsonString, labelsJson, pointJson, RawJson } from './json.js';
import { FormValues, MAX_TIME_MS, MIN_TIME_MS, parseApiDuration, parseTime, timeParam } from './params.js';
import { ApiError, invalidParam } from './respond.js';
import { prettyExpr } from './promql-printer.js';
import { QueryQueue } from './query-queue.js';
import { handle } from './route.js';

/** Prometheus refuses range queries of more points per series than this. */
const MAX_POINTS_PER_SERIES = 11_000n;
const NS_PER_MS = 1_000_000n;

export interface QueryRoutesOptions {
  readonly storage: () => QueryStorage;
  readonly engine: EngineOptions;
  /** --query.max-concurrency: queries beyond it wait for a slot (0: no limit). */
  readonly maxConcurrency?: number;
  /** The clock for a query without `time` (ms); tests fix it. */
  readonly now?: () => number;
}

export const queryRoutes: FastifyPluginAsync<QueryRoutesOptions> = async (app, opts) => {
  const engine = new Engine(opts.engine);
  const queue = new QueryQueue(opts.maxConcurrency ?? 0);
  const limits = (requestTimeoutMs: number | undefined) => ({ timeoutMs: Math.min(requestTimeoutMs ?? Infinity, engine.timeoutMs), queue });
  const now = opts.now ?? Date.now;
  const queryable: Queryable = { select: (matchers, mint, maxt) => opts.storage().select(matchers, mint, maxt) };

  const instant = handle(async (form, request, reply) => {
    const t = timeParam(form, 'time', now());
    const deadline = timeoutParam(form);
    let expr: Expr;
    try {
      expr = parseExpr(form.get('query'));
    } catch (e) {
      throw e instanceof PromQLParseError ? invalidParam('query', e.message) : e;
    }
    const value = await run(limits(deadline), request, reply, (signal) => engine.instantQuery(queryable, expr, t, { signal }));
    return { data: new RawJson(`{"resultType":"${value.kind}","result":${valueJson(value, t)}}`) };
  });

  const range = handle(async (form, request, reply) => {
    const start = requiredTime(form, 'start');
    const end = requiredTime(form, 'end');
    if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
    let stepNs: bigint;
    try {
      stepNs = parseApiDuration(form.get('step'));
    } catch (e) {
      throw invalidParam('step', (e as Error).message);
    }
    if (stepNs <= 0n) throw invalidParam('step', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((BigInt(end - start) * NS_PER_MS) / stepNs > MAX_POINTS_PER_SERIES) {
      throw new ApiError('bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const deadline = timeoutParam(form);
    let expr: Expr;
    try {
      expr = parseExpr(form.get('query'));
    } catch (e) {
      throw e instanceof PromQLParseError ? new ApiError('bad_data', e.message) : e;
    }
    const type = typeOf(expr);
    if (type !== 'scalar' && type !== 'vector') {
      throw new ApiError('bad_data', `invalid expression type "${type === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`);
    }
    const stepMs = Number(stepNs / NS_PER_MS);
    const matrix = await run(limits(deadline), request, reply, (signal) => engine.rangeQuery(queryable, expr, start, end, stepMs, { signal }));
    return { data: new RawJson(`{"resultType":"matrix","result":${matrixJson(matrix)}}`) };
  });

  const exemplars = handle(async (form) => {
    const start = timeParam(form, 'start', MIN_TIME_MS);
    const end = timeParam(form, 'end', MAX_TIME_MS);
    if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start timestamp');
    let expr: Expr;
    try {
      expr = parseExpr(form.get('query'));
    } catch (e) {
      throw e instanceof PromQLParseError ? new ApiError('bad_data', e.message) : e;
    }
    let selectors = 0;
    walk(expr, (node) => void (node.type === 'VectorSelector' && selectors++));
    if (selectors === 0) return { data: undefined };
    // The head keeps no exemplars (Prometheus without --enable-feature=exemplar-storage): none match.
    return { data: new RawJson('[]') };
  });

  const format = handle(async (form) => {
    try {
      return { data: new RawJson(goJsonString(prettyExpr(parseExpr(form.get('query'))))) };
    } catch (e) {
      throw e instanceof PromQLParseError ? invalidParam('query', e.message) : e;
    }
  });

  for (const method of ['GET', 'POST'] as const) {
    app.route({ method, url: '/query', handler: instant });
    app.route({ method, url: '/query_range', handler: range });
    app.route({ method, url: '/query_exemplars', handler: exemplars });
    app.route({ method, url: '/format_query', handler: format });
  }
};

function requiredTime(form: FormValues, name: string): number {
  try {
    return parseTime(form.get(name));
  } catch (e) {
    throw invalidParam(name, (e as Error).message);
  }
}

/** The request's `timeout` in milliseconds, if given. */
function timeoutParam(form: FormValues): number | undefined {
  const to = form.get('timeout');
  if (to === '') return undefined;
  try {
    return Number(parseApiDuration(to) / NS_PER_MS);
  } catch (e) {
    throw invalidParam('timeout', (e as Error).message);
  }
}

/**
 * Runs a query under an AbortSignal that fires when the client goes away (canceled) or when the deadline
 * passes: the request's `timeout` or --query.timeout, whichever is sooner, counted from arrival so that
 * waiting in the queue counts, as Go's context deadline does. Engine errors become API errors.
 */
async function run<T>(
  limits: { timeoutMs: number; queue: QueryQueue },
  request: FastifyRequest,
  reply: FastifyReply,
  query: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const expire = (): void => {
    timedOut = true;
    controller.abort();
  };
  const timer = Number.isFinite(limits.timeoutMs) ? setTimeout(expire, Math.max(0, limits.timeoutMs)) : undefined;
  const onClose = (): void => {
    if (!reply.raw.writableEnded) controller.abort();
  };
  reply.raw.on('close', onClose);
  try {
    if (limits.timeoutMs <= 0) expire();
    return await limits.queue.run(controller.signal, () => timedOut, () => query(controller.signal));
  } catch (e) {
    if (e instanceof QueryCanceledError && timedOut) throw new ApiError('timeout', new QueryTimeoutError(e.phase).message);
    throw queryError(e, request);
  } finally {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
  }
}

/** returnAPIError: the engine's typed errors keep their type; storage failures and bugs are internal. */
function queryError(e: unknown, request: FastifyRequest): unknown {
  if (e instanceof ApiError) return e;
  const typed = (e as { errorType?: unknown })?.errorType;
  if (e instanceof Error && (typed === 'execution' || typed === 'timeout' || typed === 'canceled' || typed === 'bad_data')) {
    return new ApiError(typed, e.message);
  }
  request.log.error({ err: e }, 'query failed');
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}

/** An instant query's result; samples of a vector carry the query time, as 2.42 returns them. */
export function valueJson(v: Value, t: number): string {
  switch (v.kind) {
    case 'scalar': return `[${JSON.stringify(t / 1000)},${goJsonString(goFixed(v.v))}]`;
    case 'string': return `[${JSON.stringify(t / 1000)},${goJsonString(v.v)}]`;
    case 'vector': {
      const parts: string[] = [];
      for (const s of v.samples) parts.push(`{"metric":${labelsJson(s.labels)},"value":${pointJson(t, s.v)}}`);
      return `[${parts.join(',')}]`;
    }
    case 'matrix': return matrixJson(v.series);
  }
}

export function matrixJson(series: readonly RangeSeries[]): string {
  const parts: string[] = [];
  for (const s of series) {
    const points: string[] = new Array(s.timestamps.length);
    for (let i = 0; i < s.timestamps.length; i++) points[i] = pointJson(s.timestamps[i]!, s.values[i]!);
    // marshalSeriesJSON leaves "values" out of a series without float points.
    parts.push(`{"metric":${labelsJson(s.labels)}${points.length > 0 ? `,"values":[${points.join(',')}]` : ''}}`);
  }
  return `[${parts.join(',')}]`;
}
