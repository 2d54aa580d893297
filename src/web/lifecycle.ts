// /-/quit and /-/reload, as Prometheus serves them: POST or PUT when --web.enable-lifecycle
// is set, 403 otherwise, and 405 for GET either way.

import type { FastifyPluginAsync } from 'fastify';
import { LifecycleDisabledError, ReloadFailedError, StateChangeMethodError } from './errors.js';

export interface LifecyclePluginOptions {
  readonly enabled: boolean;
  /** Starts a graceful shutdown; called at most once. */
  readonly quit: () => void;
  /** Reloads the configuration; rejects with the reason it could not. */
  readonly reload: () => Promise<void>;
}

export const lifecyclePlugin: FastifyPluginAsync<LifecyclePluginOptions> = async (app, options) => {
  let quitRequested = false;

  const quit = async (): Promise<string> => {
    if (!options.enabled) throw new LifecycleDisabledError();
    if (quitRequested) return 'Termination already in progress.';
    quitRequested = true;
    options.quit();
    return 'Requesting termination... Goodbye!';
  };

  const reload = async (): Promise<string> => {
    if (!options.enabled) throw new LifecycleDisabledError();
    try {
      await options.reload();
    } catch (err) {
      throw new ReloadFailedError((err as Error).message);
    }
    return '';
  };

  const onlyStateChange = async (): Promise<never> => {
    throw new StateChangeMethodError();
  };

  app.route({ method: ['POST', 'PUT'], url: '/-/quit', handler: quit });
  app.route({ method: ['POST', 'PUT'], url: '/-/reload', handler: reload });
  app.get('/-/quit', { exposeHeadRoute: false }, onlyStateChange);
  app.get('/-/reload', { exposeHeadRoute: false }, onlyStateChange);
};
