// The server's lifecycle, in Prometheus's order: listen first (so /-/healthy answers and
// /-/ready says 503 while the WAL replays), then open the storage, then become ready. Stopping
// reverses it: not ready, stop accepting and let in-flight requests finish, close the storage.

import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { DEFAULT_CONFIG_SOURCE, loadConfig, type LoadedConfig } from '../config/default-config.js';
import type { Logger } from '../logging.js';
import { ScrapeManager } from '../scrape/manager.js';
import { registerScrapePoolMetrics } from '../scrape/metrics.js';
import { startRemoteWrite, type RemoteWriteStorage } from '../remote/write/index.js';
import type { Appendable, Appender } from '../storage/interface.js';
import { buildWebApp, type WebPluginRegistration } from '../web/app.js';
import { Readiness } from '../web/health.js';
import { SelfMetrics } from '../web/self-metrics.js';
import { targetsPlugin } from '../web/targets.js';
import type { ListenAddress, ServerOptions } from './options.js';
import { checkAgentConfig, openAgentStorage } from './agent-mode.js';
import type { DB, OpenAgentDB, OpenDB } from './storage-seam.js';
import type { WebEdge } from '../web/web-edge.js';
import { BUILD_INFO } from './version.js';

const IDLE_REAP_INTERVAL_MS = 50;

/** What a web plugin factory gets to build its plugins from. */
export interface PluginContext {
  /** The storage's appendable; throws "TSDB not ready" until the storage is open. */
  readonly appendable: Appendable;
  readonly options: ServerOptions;
  readonly logger: Logger;
  /** The configuration in force (it changes on reload). */
  readonly config: () => LoadedConfig;
  /** When the server started, and the last configuration load's outcome (for /api/v1/status/runtimeinfo). */
  readonly runtime: () => { readonly startTimeMs: number; readonly configLoad: ConfigLoadStatus };
  /** The /metrics registry, for plugins that export metrics of their own. */
  readonly registry: Registry;
}

/** Whether the last configuration (re)load succeeded, and when one last succeeded (ms). */
export interface ConfigLoadStatus {
  readonly success: boolean;
  readonly lastSuccessMs: number;
}

export interface ServerDeps {
  readonly openDB: OpenDB;
  /** The agent storage, opened instead of openDB in agent mode. */
  readonly openAgentDB?: OpenAgentDB;
  /** Extra web plugins (the remote-write receiver, the APIs), mounted behind the ready gate unless they say otherwise. */
  readonly plugins?: (context: PluginContext) => readonly WebPluginRegistration[];
  /** Process and Node.js runtime metrics on /metrics (default true). */
  readonly defaultMetrics?: boolean;
}

/** Startup failed; the message says which step, as Prometheus logs it. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

export class PromwasmServer {
  readonly readiness = new Readiness();
  readonly selfMetrics: SelfMetrics;
  readonly app: FastifyInstance;
  /** Settles when a client asks to quit through /-/quit (with --web.enable-lifecycle). */
  readonly quitRequested: Promise<void>;
  /** Scrapes the configured jobs into the storage once it is open. */
  readonly scrapeManager: ScrapeManager;

  private readonly openDB: OpenDB;
  private readonly openAgentDB: OpenAgentDB | undefined;
  private config: LoadedConfig;
  private db: DB | undefined;
  /** Forwards the WAL to the configured remote_write destinations once the storage is open. */
  private remoteWrite: RemoteWriteStorage | undefined;
  private opening: Promise<DB> | undefined;
  private stopping: Promise<void> | undefined;
  private listeningOn: string | undefined;
  private readonly startTimeMs = Date.now();
  private configLoad: ConfigLoadStatus = { success: true, lastSuccessMs: this.startTimeMs };

  constructor(
    private readonly options: ServerOptions,
    config: LoadedConfig,
    deps: ServerDeps,
    private readonly logger: Logger,
    /** --web.config.file's TLS, headers and basic auth. */
    private readonly edge?: WebEdge,
  ) {
    this.config = config;
    this.openDB = deps.openDB;
    this.openAgentDB = deps.openAgentDB;
    this.selfMetrics = new SelfMetrics({ build: BUILD_INFO, readiness: this.readiness, defaultMetrics: deps.defaultMetrics });
    this.selfMetrics.configLoaded(true, Date.now());

    let requestQuit!: () => void;
    this.quitRequested = new Promise((resolve) => (requestQuit = resolve));
    const context: PluginContext = {
      appendable: { appender: () => this.appender() },
      options,
      logger,
      config: () => this.config,
      runtime: () => ({ startTimeMs: this.startTimeMs, configLoad: this.configLoad }),
      registry: this.selfMetrics.registry,
    };
    this.scrapeManager = new ScrapeManager(context.appendable, logger.child({ component: 'scrape manager' }));
    registerScrapePoolMetrics(this.selfMetrics.registry, this.scrapeManager.metrics);
    const targets = {
      plugin: targetsPlugin,
      prefix: '/api/v1',
      options: {
        manager: () => this.scrapeManager,
        external: { scheme: 'http', host: `${hostname()}:${options.web.listenAddress.port}` },
        listenPort: () => this.listeningOn?.slice(this.listeningOn.lastIndexOf(':') + 1) ?? '',
      },
    };
    this.app = buildWebApp({
      logger,
      readiness: this.readiness,
      selfMetrics: this.selfMetrics,
      lifecycle: { enabled: options.web.enableLifecycle, quit: requestQuit, reload: () => this.reloadConfig() },
      plugins: [...(deps.plugins?.(context) ?? []), targets],
      readTimeoutMs: options.web.readTimeoutMs,
      edge,
    });
  }

  /** The address actually listened on ("127.0.0.1:43121"), once listening. */
  get address(): string | undefined {
    return this.listeningOn;
  }

  /** Listens, opens the storage, becomes ready. Throws StartupError; call stop() afterwards either way. */
  async start(): Promise<void> {
    const { listenAddress, maxConnections } = this.options.web;
    this.logger.info({ component: 'web', address: formatAddress(listenAddress) }, 'Start listening for connections');
    if (maxConnections > 0) this.app.server.maxConnections = maxConnections;
    try {
      this.listeningOn = await listen(this.app, listenAddress);
    } catch (err) {
      throw new StartupError('Unable to start web listener', { cause: err });
    }
    const tls = this.edge?.tls !== undefined;
    this.logger.info({ component: 'web', http2: this.edge?.http2 ?? false, address: this.listeningOn }, tls ? 'TLS is enabled.' : 'TLS is disabled.');
    if (this.stopping) return;

    const agent = this.options.agent.enabled;
    this.logger.info(agent ? 'Starting WAL storage ...' : 'Starting TSDB ...');
    const tsdb = this.options.tsdb;
    this.opening = agent ? openAgentStorage(this.openAgentDB, this.options.agent, this.logger) : this.openDB({
      dir: tsdb.path,
      retentionMs: tsdb.retentionMs,
      minBlockDurationMs: tsdb.minBlockDurationMs,
      maxBlockDurationMs: tsdb.maxBlockDurationMs,
      retentionBytes: tsdb.retentionBytes,
      walCompression: tsdb.walCompression,
      noLockfile: tsdb.noLockfile,
      outOfOrderTimeWindowMs: outOfOrderTimeWindowMs(this.config),
      logger: this.logger.child({ component: 'tsdb' }),
    });
    let db: DB;
    try {
      db = await this.opening;
    } catch (err) {
      throw new StartupError('opening storage failed', { cause: err });
    }
    if (this.stopping) return; // stop() is waiting for this open to finish, and closes it
    this.db = db;
    if (db.registerMetrics) db.registerMetrics(this.selfMetrics.registry);
    else this.selfMetrics.attachStorage(() => db.stats());
    this.logger.info(agent ? 'Agent WAL storage started' : 'TSDB started');
    this.remoteWrite = await startRemoteWrite({
      dataDir: agent ? this.options.agent.path : tsdb.path,
      engine: db,
      config: this.config.prometheus,
      logger: this.logger,
      registry: this.selfMetrics.registry,
      flushDeadlineMs: this.options.remote.flushDeadlineMs,
    });
    this.logger.debug({ ...tsdb }, 'TSDB options');
    this.readiness.set(true);
    this.logger.info('Server is ready to receive web requests.');
    await this.scrapeManager.applyConfig(this.config.prometheus);
  }

  /** Re-reads the configuration file; on failure the old configuration stays and the error is thrown. */
  async reloadConfig(): Promise<void> {
    const file = this.options.configFile;
    const filename = file ?? DEFAULT_CONFIG_SOURCE;
    this.logger.info({ filename }, 'Loading configuration file');
    try {
      const loaded = await loadConfig(file);
      outOfOrderTimeWindowMs(loaded); // validates the one field the server reads
      if (this.options.agent.enabled) checkAgentConfig(loaded);
      this.config = loaded;
    } catch (err) {
      this.selfMetrics.configLoaded(false, Date.now());
      this.configLoad = { ...this.configLoad, success: false };
      this.logger.error({ err }, 'Error reloading config');
      throw err;
    }
    this.configLoad = { success: true, lastSuccessMs: Date.now() };
    this.selfMetrics.configLoaded(true, this.configLoad.lastSuccessMs);
    if (this.db !== undefined) await this.scrapeManager.applyConfig(this.config.prometheus);
    await this.remoteWrite?.applyConfig(this.config.prometheus);
    this.logger.info({ filename }, 'Completed loading of configuration file');
  }

  /** Stops gracefully; safe to call at any point of start(), and more than once. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.readiness.set(false);
    await this.scrapeManager.stop();
    // Stops accepting; requests in flight finish, new ones on open connections get 503.
    // Like Go's http.Server.Shutdown, keep closing connections as they turn idle: fastify
    // closes the idle ones only once, and a keep-alive connection whose request was in flight
    // would otherwise hold the shutdown until its keep-alive timeout.
    const closing = this.app.close();
    const reaper = setInterval(() => this.app.server.closeIdleConnections?.(), IDLE_REAP_INTERVAL_MS); // an HTTP/2 server has none
    try {
      await closing;
    } finally {
      clearInterval(reaper);
    }
    await this.remoteWrite?.close();
    this.remoteWrite = undefined;
    const db = this.db ?? (await this.opening?.catch(() => undefined));
    this.db = undefined;
    if (db === undefined) return;
    try {
      await db.close();
    } catch (err) {
      this.logger.error({ err }, 'Error stopping storage');
      throw err;
    }
  }

  private appender(): Appender {
    if (this.db === undefined) throw new Error('TSDB not ready');
    return this.db.appendable.appender();
  }
}

/** The configuration's storage.tsdb.out_of_order_time_window in milliseconds (0 when absent). */
export function outOfOrderTimeWindowMs(loaded: LoadedConfig): number {
  return loaded.prometheus.storage.tsdb.outOfOrderTimeWindowMs;
}

export function formatAddress({ host, port }: ListenAddress): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Listens like Go's net.Listen("tcp", addr): an empty host means every interface, IPv6 and IPv4.
 * fastify logs each bound address as `msg="Listening on http://host:port"`.
 */
async function listen(app: FastifyInstance, { host, port }: ListenAddress): Promise<string> {
  const listenTextResolver = (address: string): string => `Listening on ${address}`;
  if (host !== '') {
    await app.listen({ host, port, listenTextResolver });
  } else {
    try {
      await app.listen({ host: '::', port, listenTextResolver });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw err;
      await app.listen({ host: '0.0.0.0', port, listenTextResolver });
    }
  }
  const bound = app.server.address();
  if (bound === null || typeof bound === 'string') return String(bound);
  return formatAddress({ host: bound.address, port: bound.port });
}
