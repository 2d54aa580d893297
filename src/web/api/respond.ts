// The API's envelope and error types (web/api/v1/api.go respond/respondError): every answer is
// {"status", "data", "errorType", "error", "warnings"} with Go's field order and omitempty, and an error's
// type decides its HTTP status. Handlers return an ApiResult or throw an ApiError; `sendResult` writes it.

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

export function sendResult(reply: FastifyReply, result: ApiResult): FastifyReply {
  if (result.data === undefined) return reply.code(204).send();
  return reply.code(200).header('content-type', 'application/json').send(Buffer.from(successBody(result.data, result.warnings)));
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.statusCode).header('content-type', 'application/json').send(Buffer.from(errorBody(err)));
}
