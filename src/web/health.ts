// Liveness and readiness, as Prometheus answers them: /-/healthy is 200 as soon as the web
// server runs; /-/ready and every route that needs the storage answer 503 "Service
// Unavailable" until the storage is open (and again while shutting down).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { NotReadyError } from './errors.js';

const APP_NAME = 'Prometheus Server';

/** Whether startup has completed; flipped by the server's lifecycle, read by handlers and /metrics. */
export class Readiness {
  private ready = false;

  get isReady(): boolean {
    return this.ready;
  }

  set(ready: boolean): void {
    this.ready = ready;
  }
}

/** An onRequest hook that refuses requests with 503 until `readiness` says ready (Prometheus's testReady). */
export function requireReady(readiness: Readiness) {
  return async function readyGate(_request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!readiness.isReady) throw new NotReadyError();
  };
}

export interface HealthPluginOptions {
  readonly readiness: Readiness;
}

export const healthPlugin: FastifyPluginAsync<HealthPluginOptions> = async (app, { readiness }) => {
  app.get('/-/healthy', async () => `${APP_NAME} is Healthy.\n`);
  app.get('/-/ready', { onRequest: requireReady(readiness) }, async () => `${APP_NAME} is Ready.\n`);
};
