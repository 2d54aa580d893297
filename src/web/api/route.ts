// What every API route shares (web/api/v1/api.go Register's wrap): CORS headers, the form read once, and
// the envelope written from the handler's ApiResult or ApiError.

import type { FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { FormValues } from './params.js';
import { ApiError, sendError, sendResult, setCors, type ApiResult } from './respond.js';

export type ApiHandler = (form: FormValues, request: FastifyRequest, reply: FastifyReply) => Promise<ApiResult>;

export function handle(fn: ApiHandler): RouteHandlerMethod {
  return async function apiRoute(request, reply) {
    setCors(request, reply);
    let result: ApiResult;
    try {
      result = await fn(FormValues.of(request), request, reply);
    } catch (e) {
      if (e instanceof ApiError) return sendError(request, reply, e);
      // A storage failure (a corrupt block) or a bug: still answered in the envelope, and logged.
      request.log.error({ err: e, url: request.url }, 'API request failed');
      return sendError(request, reply, new ApiError('internal', e instanceof Error ? e.message : String(e)));
    }
    return sendResult(request, reply, result);
  };
}
