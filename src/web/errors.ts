// The web layer's coded errors, in the manner of fastify's lib/errors.js: one registry, each
// entry a code, an HTTP status and a message template, so a handler throws `new NotReadyError()`
// and the app's error handler answers with the status and the message as plain text, the way
// Prometheus's own handlers answer.

import { format } from 'node:util';

export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface WebErrorClass {
  new (...args: unknown[]): WebError;
  readonly code: string;
  readonly statusCode: number;
  readonly template: string;
}

const registry = new Map<string, WebErrorClass>();

/** Defines a coded error; `template` may hold util.format placeholders (%s) filled by the constructor's arguments. */
export function defineWebError(code: string, statusCode: number, template: string): WebErrorClass {
  if (registry.has(code)) throw new Error(`web error ${code} is defined twice`);
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599) throw new Error(`web error ${code}: bad status ${statusCode}`);
  const defined = class extends WebError {
    static readonly code = code;
    static readonly statusCode = statusCode;
    static readonly template = template;
    constructor(...args: unknown[]) {
      super(code, statusCode, args.length > 0 ? format(template, ...args) : template);
    }
  };
  registry.set(code, defined);
  return defined;
}

/** Every defined error, for the docs test and for clients that map codes. */
export function webErrors(): ReadonlyMap<string, WebErrorClass> {
  return registry;
}

/** A route that needs the storage was called while the server is starting or stopping (Prometheus's testReady). */
export const NotReadyError = defineWebError('PROMWASM_NOT_READY', 503, 'Service Unavailable');
/** Lifecycle endpoints (/-/quit, /-/reload) without --web.enable-lifecycle. */
export const LifecycleDisabledError = defineWebError('PROMWASM_LIFECYCLE_DISABLED', 403, 'Lifecycle API is not enabled.');
/** GET on an endpoint that only changes state. */
export const StateChangeMethodError = defineWebError('PROMWASM_METHOD_NOT_ALLOWED', 405, 'Only POST or PUT requests allowed');
/** /-/reload found a configuration it could not load. */
export const ReloadFailedError = defineWebError('PROMWASM_RELOAD_FAILED', 500, 'failed to reload config: %s');
/** No route matches; the body is Go's http.NotFound text. */
export const RouteNotFoundError = defineWebError('PROMWASM_NOT_FOUND', 404, '404 page not found\n');
