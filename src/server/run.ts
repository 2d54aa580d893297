// `promwasm` as a process: parse the command line, load the configuration, run the server
// until SIGTERM/SIGINT (or /-/quit), shut down cleanly, and say which exit code to use.
// SIGHUP reloads the configuration. A second termination signal exits at once.

import { resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG_SOURCE, loadConfig, type LoadedConfig } from '../config/default-config.js';
import { createLogger, type LogSink, type Logger } from '../logging.js';
import { checkAgentConfig } from './agent-mode.js';
import { FlagError, parseArgs, usage } from './flags.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { PromwasmServer, StartupError, outOfOrderTimeWindowMs, type ServerDeps } from './server.js';
import { PROGRAM, versionSummary, versionText } from './version.js';
import { loadWebEdge, type WebEdge } from '../web/web-edge.js';

/** Exit codes, as Prometheus 2.42 uses them. */
export const EXIT_OK = 0;
/** Startup failed (listener, storage) or shutdown failed; also a malformed command line. */
export const EXIT_FAILURE = 1;
/** A flag value or the configuration file is invalid. */
export const EXIT_INVALID = 2;

type Signal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** The process around runServer; tests replace parts of it. */
export interface RunEnvironment {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where log lines go (default: standard error). */
  readonly logSink?: LogSink;
  readonly onSignal: (signal: Signal, handler: () => void) => void;
  readonly offSignal: (signal: Signal, handler: () => void) => void;
  /** Ends the process at once (the second termination signal). */
  readonly exit: (code: number) => void;
}

const processEnvironment: RunEnvironment = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.on(signal, handler),
  offSignal: (signal, handler) => process.off(signal, handler),
  exit: (code) => process.exit(code),
};

/**
 * Runs the server for the command line `argv` (without node and script) until it is told to
 * stop, and resolves with the exit code; the caller ends the process with it.
 */
export async function runServer(argv: readonly string[], deps: ServerDeps, env: Partial<RunEnvironment> = {}): Promise<number> {
  const io: RunEnvironment = { ...processEnvironment, ...env };

  let options: ServerOptions;
  try {
    const parsed = parseArgs(argv);
    if (parsed.action === 'help') {
      io.stdout(usage(PROGRAM));
      return EXIT_OK;
    }
    if (parsed.action === 'version') {
      io.stdout(versionText());
      return EXIT_OK;
    }
    options = resolveOptions(parsed.values);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr(`Error parsing commandline arguments: ${err.message}\n`);
    io.stderr(`${PROGRAM}: error: ${err.message}, try --help\n`);
    return err.exitCode;
  }

  const logger = createLogger({ ...options.log, sink: io.logSink });
  for (const notice of options.notices) logger[notice.level]({ ...notice.fields }, notice.msg);
  const mode = options.agent.enabled ? 'agent' : 'server';
  logger.info({ mode, version: versionSummary() }, `Starting ${PROGRAM}${options.agent.enabled ? ' Agent' : ''}`);
  logger.info({ build_context: `(node=${process.version}, platform=${process.platform}/${process.arch})` });

  const config = await loadStartupConfig(options, logger);
  if (config === undefined) return EXIT_INVALID;

  let edge: WebEdge | undefined;
  try {
    edge = await loadWebEdge(options.web.configFile);
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Unable to validate web configuration file');
    return EXIT_FAILURE;
  }

  const server = new PromwasmServer(options, config, deps, logger, edge);
  const shutdown = new ShutdownTrigger(io, logger, server);
  try {
    const started = server.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    const startError = await Promise.race([started, shutdown.requested.then(() => undefined)]);
    if (startError !== undefined) {
      logStartupError(logger, startError);
      await server.stop().catch(() => undefined);
      return EXIT_FAILURE;
    }
    await shutdown.requested;
    try {
      await server.stop();
    } catch {
      return EXIT_FAILURE; // already logged by the server
    }
    logger.info('See you next time!');
    return EXIT_OK;
  } finally {
    shutdown.dispose();
  }
}

/** Loads the configuration at startup; logs and answers undefined when it is invalid. */
async function loadStartupConfig(options: ServerOptions, logger: Logger): Promise<LoadedConfig | undefined> {
  const file = options.configFile;
  logger.info({ filename: file ?? DEFAULT_CONFIG_SOURCE }, 'Loading configuration file');
  try {
    const loaded = await loadConfig(file);
    outOfOrderTimeWindowMs(loaded);
    if (options.agent.enabled) checkAgentConfig(loaded);
    return loaded;
  } catch (err) {
    const fields: Record<string, unknown> = { err: err instanceof Error ? err.message : String(err) };
    if (file !== undefined) fields['file'] = resolve(file);
    if (err instanceof ConfigError && err.line !== undefined) Object.assign(fields, { line: err.line, column: err.column });
    logger.error(fields, `Error loading config (--config.file=${file ?? ''})`);
    return undefined;
  }
}

function logStartupError(logger: Logger, err: unknown): void {
  if (err instanceof StartupError) {
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
    logger.error({ err: cause }, err.message);
  } else {
    logger.error({ err }, 'startup failed');
  }
}

/** Turns termination signals and /-/quit into one "stop now" promise; SIGHUP reloads. */
class ShutdownTrigger {
  readonly requested: Promise<void>;
  private readonly handlers: [Signal, () => void][] = [];
  private fired = false;

  constructor(
    private readonly io: RunEnvironment,
    logger: Logger,
    server: PromwasmServer,
  ) {
    let fire!: () => void;
    this.requested = new Promise((resolve) => (fire = resolve));
    const terminate = (signal: Signal) => () => {
      if (this.fired) {
        logger.warn({ signal }, 'Received a second termination signal, exiting immediately.');
        io.exit(EXIT_FAILURE);
        return;
      }
      this.fired = true;
      logger.warn(`Received ${signal}, exiting gracefully...`);
      fire();
    };
    this.listen('SIGTERM', terminate('SIGTERM'));
    this.listen('SIGINT', terminate('SIGINT'));
    this.listen('SIGHUP', () => {
      server.reloadConfig().catch(() => undefined); // logged by the server; the old configuration stays
    });
    void server.quitRequested.then(() => {
      if (this.fired) return;
      this.fired = true;
      logger.warn('Received termination request via web service, exiting gracefully...');
      fire();
    });
  }

  dispose(): void {
    for (const [signal, handler] of this.handlers) this.io.offSignal(signal, handler);
    this.handlers.length = 0;
  }

  private listen(signal: Signal, handler: () => void): void {
    this.io.onSignal(signal, handler);
    this.handlers.push([signal, handler]);
  }
}
