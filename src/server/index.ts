// The server's public surface: the CLI calls runServer; tests and embedders may drive
// PromwasmServer directly with options from parseServerArgs.

export { runServer, EXIT_OK, EXIT_FAILURE, EXIT_INVALID, type RunEnvironment } from './run.js';
export { PromwasmServer, StartupError, type PluginContext, type ServerDeps } from './server.js';
export { FLAGS, FlagError, parseArgs, usage, type FlagSpec } from './flags.js';
export { parseServerArgs, resolveOptions, parseListenAddress, type ServerOptions, type ListenAddress, type FlagNotice } from './options.js';
export type { DB, DBOptions, DBStats, OpenDB } from './storage-seam.js';
export type { WebPluginRegistration } from '../web/app.js';
