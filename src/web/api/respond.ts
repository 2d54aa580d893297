// The API's envelope and error types (web/api/v1/api.go respond/respondError): every answer is
// {"status", "data", "errorType", "error", "warnings"} with Go's field order and omitempty, and an error's
// type decides its HTTP status. Handlers return an ApiResult or throw an ApiError; `sendResult` writes it.

import { promisify } from 'node:util';
import { deflate, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { goJsonString, RawJson } from './json.js';

export type ApiErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

const STATUS_OF: Record<ApiErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
  unavailable: 500, // respondError's default branch
  not_found: 404,
};

/** An error answered in the envelope; the message is Prometheus's text. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly type: ApiErrorType,
    message: string,
  ) {
    super(message);
  }

  get statusCode(): number {
    return STATUS_OF[this.type];
  }
}

/** invalidParamError: `invalid parameter "<name>": <cause>` as bad_data. */
export function invalidParam(name: string, cause: string): ApiError {
  return new ApiError('bad_data', `invalid parameter ${goJsonQuote(name)}: ${cause}`);
}

/** Go's %q for the plain ASCII parameter names the API uses. */
function goJsonQuote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** A handler's answer: data already rendered as JSON (or undefined for 204 No Content), plus warnings. */
export interface ApiResult {
  readonly data: RawJson | undefined;
  readonly warnings?: readonly string[];
}

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Headers': 'Accept, Authorization, Content-Type, Origin',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Expose-Headers': 'Date',
  Vary: 'Origin',
};

/** httputil.SetCORS with the default --web.cors.origin '.*': any Origin is allowed. */
export function setCors(request: FastifyRequest, reply: FastifyReply): void {
  if (request.headers.origin === undefined || request.headers.origin === '') return;
  reply.headers(CORS_HEADERS);
  reply.header('Access-Control-Allow-Origin', '*');
}

export function successBody(data: RawJson, warnings: readonly string[] = []): string {
  let body = `{"status":"success","data":${data.json}`;
  if (warnings.length > 0) body += `,"warnings":[${warnings.map(goJsonString).join(',')}]`;
  return body + '}';
}

export function errorBody(err: ApiError): string {
  return `{"status":"error","errorType":"${err.type}","error":${goJsonString(err.message)}}`;
}

export function sendResult(request: FastifyRequest, reply: FastifyReply, result: ApiResult): Promise<FastifyReply> | FastifyReply {
  if (result.data === undefined) return reply.code(204).send();
  return sendJson(request, reply, 200, successBody(result.data, result.warnings));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: ApiError): Promise<FastifyReply> {
  return sendJson(request, reply, err.statusCode, errorBody(err));
}

/**
 * Writes a JSON body, compressed as httputil.CompressionHandler does: the first Accept-Encoding entry that
 * is exactly "gzip" or "deflate" (zlib) wins. A Buffer keeps fastify from appending a charset.
 */
async function sendJson(request: FastifyRequest, reply: FastifyReply, status: number, body: string): Promise<FastifyReply> {
  reply.code(status).header('content-type', 'application/json');
  for (const encoding of String(request.headers['accept-encoding'] ?? '').split(',')) {
    const e = encoding.trim();
    if (e === 'gzip') return reply.header('content-encoding', 'gzip').send(await gzipAsync(body));
    if (e === 'deflate') return reply.header('content-encoding', 'deflate').send(await deflateAsync(body));
  }
  return reply.send(Buffer.from(body));
}
