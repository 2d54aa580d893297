// The Prometheus 2.42 configuration: loading (with the embedded default), the typed result, and the
// checks of `promtool check config`.

export { ConfigError, DEFAULT_CONFIG_SOURCE, DEFAULT_CONFIG_YAML, loadConfig, parseConfig, type LoadedConfig, type ParseOptions } from './default-config.js';
export { checkConfigFile, type CheckConfigOptions, type CheckConfigResult } from './check.js';
export { DEFAULT_GLOBAL_CONFIG } from './decode-config.js';
export { DEFAULT_METADATA_CONFIG, DEFAULT_QUEUE_CONFIG } from './decode-remote.js';
export type * from './types.js';
