// Agent mode as Prometheus 2.42's main.go sets it up: the storage.agent.* flags, accepted only in
// agent mode, and the server-only flags refused in it (exit code 3 either way); the configuration
// fields an agent refuses; the agent storage opened in place of the TSDB.
// Agent mode is `--enable-feature=agent` in 2.42; `--agent` (Prometheus 3's spelling) too.

import { ConfigError, type LoadedConfig } from '../config/default-config.js';
import type { Logger } from '../logging.js';
import type { FlagSpec } from './flags.js';
import type { ServerOptions } from './options.js';
import type { DB, OpenAgentDB } from './storage-seam.js';

export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: 'storage.agent.path', kind: 'string', default: 'data-agent/', help: 'Base path for metrics storage. Use with agent mode only.' },
  { name: 'storage.agent.wal-segment-size', kind: 'bytes', placeholder: '<bytes>', hidden: true, help: 'Size at which to split WAL segment files. Example: 100MB Use with agent mode only.' },
  { name: 'storage.agent.wal-compression', kind: 'bool', default: 'true', help: 'Compress the agent WAL. Use with agent mode only.' },
  { name: 'storage.agent.wal-truncate-frequency', kind: 'duration', placeholder: '<duration>', hidden: true, help: 'The frequency at which to truncate the WAL and remove old data. Use with agent mode only.' },
  { name: 'storage.agent.retention.min-time', kind: 'duration', help: 'Minimum age samples may be before being considered for deletion when the WAL is truncated Use with agent mode only.' },
  { name: 'storage.agent.retention.max-time', kind: 'duration', help: 'Maximum age samples may be before being forcibly deleted when the WAL is truncated Use with agent mode only.' },
  { name: 'storage.agent.no-lockfile', kind: 'bool', default: 'false', help: 'Do not create lockfile in data directory. Use with agent mode only.' },
];

/** Flags of promwasm that Prometheus 2.42 declares with serverOnlyFlag. */
export const SERVER_ONLY_FLAGS: ReadonlySet<string> = new Set([
  'storage.tsdb.path', 'storage.tsdb.min-block-duration', 'storage.tsdb.max-block-duration', 'storage.tsdb.retention',
  'storage.tsdb.retention.time', 'storage.tsdb.retention.size', 'storage.tsdb.no-lockfile', 'storage.tsdb.wal-compression',
  'storage.remote.read-sample-limit', 'storage.remote.read-concurrent-limit', 'storage.remote.read-max-bytes-in-frame',
  'query.lookback-delta', 'query.timeout', 'query.max-concurrency', 'query.max-samples',
]);

export const AGENT_ONLY_FLAGS: ReadonlySet<string> = new Set(AGENT_FLAGS.map((f) => f.name));

/** Prometheus's exit code for a flag given in the wrong mode. */
export const EXIT_WRONG_MODE = 3;

/** The flags given on the command line that the mode refuses, as `--name`, or an empty list. */
export function flagsRefusedInMode(agent: boolean, given: Iterable<string>): string[] {
  const refused = agent ? SERVER_ONLY_FLAGS : AGENT_ONLY_FLAGS;
  return [...given].filter((name) => refused.has(name)).map((name) => `--${name}`);
}

/** Go's %q of a []string: `["--a" "--b"]`. */
export function goQuotedList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Prometheus 2.42's bounds for --storage.agent.wal-segment-size (checked when the storage starts). */
export function agentSegmentSizeError(bytes: number): string | undefined {
  if (bytes === 0 || (bytes >= 10 * 1024 * 1024 && bytes <= 256 * 1024 * 1024)) return undefined;
  return "flag 'storage.agent.wal-segment-size' must be set between 10MB and 256MB";
}

/** Throws the ConfigError Prometheus's LoadFile gives an agent for alerting, rule_files or remote_read. */
export function checkAgentConfig(loaded: LoadedConfig): void {
  const c = loaded.prometheus;
  if (c.alerting.alertmanagers.length > 0 || c.alerting.alertRelabelConfigs.length > 0) {
    throw new ConfigError(loaded.source, 'field alerting is not allowed in agent mode');
  }
  if (c.ruleFiles.length > 0) throw new ConfigError(loaded.source, 'field rule_files is not allowed in agent mode');
  if (c.remoteRead.length > 0) throw new ConfigError(loaded.source, 'field remote_read is not allowed in agent mode');
}

/** Opens the agent storage under --storage.agent.path with the storage.agent.* flags (main.go's WAL storage step). */
export async function openAgentStorage(open: OpenAgentDB | undefined, options: ServerOptions['agent'], logger: Logger): Promise<DB> {
  if (open === undefined) throw new Error('this build has no agent storage');
  const sizeError = agentSegmentSizeError(options.walSegmentSize);
  if (sizeError !== undefined) throw new Error(sizeError);
  return open({
    dir: options.path,
    walCompression: options.walCompression,
    walSegmentSize: options.walSegmentSize,
    truncateFrequencyMs: options.truncateFrequencyMs,
    minWalTimeMs: options.minWalTimeMs,
    maxWalTimeMs: options.maxWalTimeMs,
    noLockfile: options.noLockfile,
    logger: logger.child({ component: 'agent' }),
  });
}
