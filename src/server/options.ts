// Gives the raw flag strings their meaning, once, at the edge: every value is parsed and
// checked here, derived settings are computed as Prometheus's main.go computes them, and the
// result is a deep-frozen ServerOptions that the rest of the server reads without re-checking.

import type { LogFormat, LogLevel } from '../logging.js';
import { DurationError, formatDuration, parseDuration } from '../model/duration.js';
import { EXIT_BAD_VALUE, EXIT_USAGE, FLAGS, FlagError, parseArgs, type FlagSpec } from './flags.js';
import { EXIT_WRONG_MODE, flagsRefusedInMode, goQuotedList } from './agent-mode.js';
import { parseBytes } from './units.js';


export interface ListenAddress {
  /** '' means every interface (IPv6 and IPv4), as Go's ":9090". */
  readonly host: string;
  /** 0 asks the OS for a free port. */
  readonly port: number;
}

/** Something worth logging about the flags, said once the logger exists. */
export interface FlagNotice {
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields?: Readonly<Record<string, string>>;
}

export interface ServerOptions {
  /** Absent: the embedded default configuration. */
  readonly configFile: string | undefined;
  readonly web: {
    readonly listenAddress: ListenAddress;
    readonly readTimeoutMs: number;
    /** 0: no limit. */
    readonly maxConnections: number;
    readonly enableLifecycle: boolean;
    readonly enableAdminAPI: boolean;
    /** --web.config.file ('' for none): TLS, basic auth, headers; read and checked at startup. */
    readonly configFile: string;
  };
  readonly tsdb: {
    readonly path: string;
    /** 0: no time-based retention (only when a size retention is set). */
    readonly retentionMs: number;
    /** 0: no size-based retention. */
    readonly retentionBytes: number;
    readonly minBlockDurationMs: number;
    readonly maxBlockDurationMs: number;
    readonly walCompression: boolean;
    /** --storage.tsdb.no-lockfile: do not take `<path>/lock`. */
    readonly noLockfile: boolean;
  };
  /** Agent mode (--enable-feature=agent or --agent) and its storage.agent.* flags; 0 means the agent's default. */
  readonly agent: {
    readonly enabled: boolean;
    readonly path: string;
    readonly walSegmentSize: number;
    readonly walCompression: boolean;
    readonly truncateFrequencyMs: number;
    readonly minWalTimeMs: number;
    readonly maxWalTimeMs: number;
    readonly noLockfile: boolean;
  };
  readonly remote: {
    readonly flushDeadlineMs: number;
    readonly readSampleLimit: number;
    readonly readConcurrentLimit: number;
    readonly readMaxBytesInFrame: number;
  };
  readonly query: {
    readonly lookbackDeltaMs: number;
    readonly timeoutMs: number;
    readonly maxConcurrency: number;
    readonly maxSamples: number;
  };
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  /** Names given to --enable-feature that Prometheus 2.42 knows, for components to consult. */
  readonly features: readonly string[];
  /** Every flag's effective value as text, as Prometheus's /api/v1/status/flags lists them. */
  readonly flagValues: Readonly<Record<string, string>>;
  readonly notices: readonly FlagNotice[];
}

const DEFAULT_RETENTION_MS = parseDuration('15d');
const MAX_BLOCK_DURATION_CAP_MS = parseDuration('31d');

/** --enable-feature names of Prometheus 2.42 that promwasm records for its components to consult. */
const KNOWN_FEATURES = new Set([
  'exemplar-storage', 'expand-external-labels', 'memory-snapshot-on-shutdown', 'extra-scrape-metrics',
  'new-service-discovery-manager', 'promql-per-step-stats', 'auto-gomaxprocs', 'no-default-scrape-port',
  'native-histograms',
]);

/** Options for a command line that runs the server (for tests and embedders). Throws FlagError. */
export function parseServerArgs(argv: readonly string[]): ServerOptions {
  const parsed = parseArgs(argv);
  if (parsed.action !== 'run') throw new FlagError(`--${parsed.action} does not run the server`, EXIT_USAGE);
  return resolveOptions(parsed.values);
}

/** Turns raw flag strings into ServerOptions. Throws FlagError naming the flag. */
export function resolveOptions(values: ReadonlyMap<string, string | readonly string[]>): ServerOptions {
  const notices: FlagNotice[] = [];
  const flagValues: Record<string, string> = {};
  const read = new FlagReader(values, flagValues);

  let agent = read.bool('agent');
  const features: string[] = [];
  for (const name of read.list('enable-feature')) {
    if (name === 'agent') {
      agent = true;
      notices.push({ level: 'info', msg: 'Experimental agent mode enabled.' });
    } else if (name === 'remote-write-receiver') {
      notices.push({ level: 'warn', msg: 'Feature flag remote-write-receiver is DEPRECATED; the remote write receiver is always on.' });
    } else if (name === 'promql-at-modifier' || name === 'promql-negative-offset') {
      notices.push({ level: 'warn', msg: 'This option for --enable-feature is now permanently enabled and therefore a no-op.', fields: { option: name } });
    } else if (KNOWN_FEATURES.has(name)) {
      if (!features.includes(name)) features.push(name);
    } else {
      notices.push({ level: 'warn', msg: 'Unknown option for --enable-feature', fields: { option: name } });
    }
  }

  const wrongMode = flagsRefusedInMode(agent, values.keys());
  if (wrongMode.length > 0) {
    const which = agent ? 'can not be used in agent mode' : 'can only be used in agent mode';
    throw new FlagError(`The following flag(s) ${which}: ${goQuotedList(wrongMode)}`, EXIT_WRONG_MODE);
  }

  const configFile = values.has('config.file') ? read.string('config.file') : undefined;
  if (configFile === '') throw badValue('config.file', '', 'the path must not be empty');
  flagValues['config.file'] = configFile ?? '';
  read.bool('web.enable-remote-write-receiver'); // accepted for compatibility: the receiver is always on

  // Retention, as main.go: the deprecated flag, overridden by the new one, 15d when neither
  // a time nor a size is set; max block duration 10% of the retention, at most 31d.
  let retentionMs = 0;
  const oldRetention = read.duration('storage.tsdb.retention');
  if (oldRetention !== 0) {
    notices.push({ level: 'warn', msg: "'storage.tsdb.retention' flag is deprecated use 'storage.tsdb.retention.time' instead." });
    retentionMs = oldRetention;
  }
  const newRetention = read.duration('storage.tsdb.retention.time');
  if (newRetention !== 0) retentionMs = newRetention;
  const retentionBytes = read.bytes('storage.tsdb.retention.size');
  if (retentionMs === 0 && retentionBytes === 0) {
    retentionMs = DEFAULT_RETENTION_MS;
    if (!agent) notices.push({ level: 'info', msg: 'No time or size retention was set so using the default time retention', fields: { duration: '15d' } });
  }
  flagValues['storage.tsdb.retention.time'] = formatDuration(retentionMs);

  const minBlockDurationMs = read.duration('storage.tsdb.min-block-duration');
  if (minBlockDurationMs <= 0) throw badValue('storage.tsdb.min-block-duration', '0', 'must be greater than 0');
  let maxBlockDurationMs = read.duration('storage.tsdb.max-block-duration');
  if (maxBlockDurationMs === 0) {
    maxBlockDurationMs = MAX_BLOCK_DURATION_CAP_MS;
    if (retentionMs !== 0 && Math.floor(retentionMs / 10) < maxBlockDurationMs) maxBlockDurationMs = Math.floor(retentionMs / 10);
  }
  // The TSDB never lets the largest block be smaller than the smallest.
  maxBlockDurationMs = Math.max(maxBlockDurationMs, minBlockDurationMs);
  flagValues['storage.tsdb.max-block-duration'] = formatDuration(maxBlockDurationMs);

  const options: ServerOptions = {
    configFile,
    web: {
      listenAddress: read.parsed('web.listen-address', parseListenAddress),
      readTimeoutMs: read.duration('web.read-timeout'),
      maxConnections: read.int('web.max-connections', 0),
      enableLifecycle: read.bool('web.enable-lifecycle'),
      enableAdminAPI: read.bool('web.enable-admin-api'),
      configFile: read.string('web.config.file'),
    },
    tsdb: {
      path: read.string('storage.tsdb.path'),
      retentionMs,
      retentionBytes,
      minBlockDurationMs,
      maxBlockDurationMs,
      walCompression: read.bool('storage.tsdb.wal-compression'),
      noLockfile: read.bool('storage.tsdb.no-lockfile'),
    },
    agent: {
      enabled: agent,
      path: read.string('storage.agent.path'),
      walSegmentSize: read.bytes('storage.agent.wal-segment-size'),
      walCompression: read.bool('storage.agent.wal-compression'),
      truncateFrequencyMs: read.duration('storage.agent.wal-truncate-frequency'),
      minWalTimeMs: read.duration('storage.agent.retention.min-time'),
      maxWalTimeMs: read.duration('storage.agent.retention.max-time'),
      noLockfile: read.bool('storage.agent.no-lockfile'),
    },
    remote: {
      flushDeadlineMs: read.duration('storage.remote.flush-deadline'),
      readSampleLimit: read.int('storage.remote.read-sample-limit', 0),
      readConcurrentLimit: read.int('storage.remote.read-concurrent-limit', 0),
      readMaxBytesInFrame: read.int('storage.remote.read-max-bytes-in-frame', 1),
    },
    query: {
      lookbackDeltaMs: read.duration('query.lookback-delta'),
      timeoutMs: read.duration('query.timeout'),
      maxConcurrency: read.int('query.max-concurrency', 1),
      maxSamples: read.int('query.max-samples', 0),
    },
    log: {
      level: read.choice('log.level', 'unrecognized log level') as LogLevel,
      format: read.choice('log.format', 'unrecognized log format') as LogFormat,
    },
    features,
    flagValues,
    notices,
  };
  if (options.tsdb.path === '') throw badValue('storage.tsdb.path', '', 'the path must not be empty');
  if (options.agent.path === '') throw badValue('storage.agent.path', '', 'the path must not be empty');
  return deepFreeze(options);
}

/** Splits "host:port" as Go's net.SplitHostPort: "[v6]:port", an empty host for every interface. */
export function parseListenAddress(text: string): ListenAddress {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new Error(`address ${text}: missing port in address`);
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) throw new Error(`address ${text}: missing ']' in address`);
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    throw new Error(`address ${text}: too many colons in address`);
  }
  if (host.includes('[') || host.includes(']')) throw new Error(`address ${text}: unexpected bracket in address`);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`address ${text}: invalid port ${JSON.stringify(portText)}`);
  return { host, port: Number(portText) };
}

/** Reads each flag's raw value (or its default) into a typed value, recording its effective text. */
class FlagReader {
  constructor(
    private readonly values: ReadonlyMap<string, string | readonly string[]>,
    private readonly effective: Record<string, string>,
  ) {}

  string(name: string): string {
    const text = this.raw(name);
    this.effective[name] = text;
    return text;
  }

  parsed<T>(name: string, parse: (text: string) => T): T {
    const text = this.string(name);
    try {
      return parse(text);
    } catch (err) {
      throw badValue(name, text, (err as Error).message);
    }
  }

  duration(name: string): number {
    const text = this.raw(name);
    let ms: number;
    try {
      ms = this.unset(name) ? 0 : parseDuration(text);
    } catch (err) {
      if (err instanceof DurationError) throw badValue(name, text, err.message);
      throw err;
    }
    this.effective[name] = formatDuration(ms);
    return ms;
  }

  bytes(name: string): number {
    if (this.unset(name)) {
      this.effective[name] = '0B';
      return 0;
    }
    const text = this.raw(name);
    const bytes = this.parsed(name, parseBytes);
    if (bytes < 0) throw badValue(name, text, 'must not be negative');
    return bytes;
  }

  /** Integers as kingpin 2.2.6 reads them (float syntax such as 5e7 allowed), at least `min`. */
  int(name: string, min: number): number {
    const text = this.raw(name);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw badValue(name, text, 'not a number');
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw badValue(name, text, 'must be a whole number');
    if (value < min) throw badValue(name, text, `must be at least ${min}`);
    this.effective[name] = String(value);
    return value;
  }

  bool(name: string): boolean {
    const text = this.raw(name);
    let value: boolean;
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) value = true;
    else if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) value = false;
    else throw badValue(name, text, 'expected true or false');
    this.effective[name] = String(value);
    return value;
  }

  choice(name: string, complaint: string): string {
    const text = this.raw(name);
    if (!spec(name).choices!.includes(text)) throw badValue(name, text, `${complaint} ${JSON.stringify(text)}`);
    this.effective[name] = text;
    return text;
  }

  list(name: string): string[] {
    const given = this.values.get(name);
    const items = (Array.isArray(given) ? given : []).flatMap((item: string) => item.split(',')).filter((s) => s !== '');
    this.effective[name] = items.join(',');
    return items;
  }

  /** Not given, and without a default: the zero value. */
  private unset(name: string): boolean {
    return !this.values.has(name) && spec(name).default === undefined;
  }

  private raw(name: string): string {
    const given = this.values.get(name);
    if (typeof given === 'string') return given;
    return spec(name).default ?? '';
  }
}

function spec(name: string): FlagSpec {
  const found = FLAGS.find((f) => f.name === name);
  if (found === undefined) throw new Error(`internal: no flag ${name}`);
  return found;
}

function badValue(name: string, text: string, reason: string): FlagError {
  return new FlagError(`invalid value ${JSON.stringify(text)} for flag '--${name}': ${reason}`, EXIT_BAD_VALUE);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
