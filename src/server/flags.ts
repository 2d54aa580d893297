// The command line, parsed the way Prometheus's kingpin does: long flags only (plus -h),
// `--flag=value` or `--flag value`, booleans as `--flag` / `--no-flag` (and `--flag=true|false`,
// which newer kingpin versions accept), every flag at most once unless it is a list.
//
// This file only splits argv into raw strings per flag; options.ts gives them meaning.
// Exit codes follow Prometheus 2.42 (verified against the binary): a malformed command line
// (unknown flag, missing argument, stray argument) exits 1, a bad value exits 2.

import { AGENT_FLAGS, EXIT_WRONG_MODE } from './agent-mode.js';

export type FlagKind = 'string' | 'bool' | 'duration' | 'int' | 'bytes' | 'list' | 'choice';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly help: string;
  /** The default as Prometheus spells it; absent when the flag has none. */
  readonly default?: string;
  /** Shown in usage in place of a value when there is no default. */
  readonly placeholder?: string;
  /** For 'choice': the accepted values. */
  readonly choices?: readonly string[];
  /** Accepted but left out of --help, like Prometheus's testing-only flags. */
  readonly hidden?: boolean;
}

export const EXIT_USAGE = 1;
export const EXIT_BAD_VALUE = 2;

export class FlagError extends Error {
  override readonly name = 'FlagError';
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_USAGE | typeof EXIT_BAD_VALUE | typeof EXIT_WRONG_MODE,
  ) {
    super(message);
  }
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'config.file', kind: 'string', placeholder: '<path>', help: 'Prometheus configuration file path. Without it the built-in default configuration is used.' },
  { name: 'web.listen-address', kind: 'string', default: '0.0.0.0:9090', help: 'Address to listen on for UI, API, and telemetry.' },
  { name: 'web.config.file', kind: 'string', default: '', help: '[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.' },
  { name: 'web.read-timeout', kind: 'duration', default: '5m', help: 'Maximum duration before timing out read of the request.' },
  { name: 'web.max-connections', kind: 'int', default: '512', help: 'Maximum number of simultaneous connections (0: no limit).' },
  { name: 'web.enable-lifecycle', kind: 'bool', default: 'false', help: 'Enable shutdown and reload via HTTP request.' },
  { name: 'web.enable-admin-api', kind: 'bool', default: 'false', help: 'Enable API endpoints for admin control actions.' },
  { name: 'web.enable-remote-write-receiver', kind: 'bool', default: 'false', help: 'Enable API endpoint accepting remote write requests. Accepted for compatibility: the receiver is always on.' },
  { name: 'storage.tsdb.path', kind: 'string', default: 'data/', help: 'Base path for metrics storage.' },
  { name: 'storage.tsdb.min-block-duration', kind: 'duration', default: '2h', hidden: true, help: 'Minimum duration of a data block before being persisted. For use in testing.' },
  { name: 'storage.tsdb.max-block-duration', kind: 'duration', placeholder: '<duration>', hidden: true, help: 'Maximum duration compacted blocks may span. For use in testing. (Defaults to 10% of the retention period.)' },
  { name: 'storage.tsdb.retention', kind: 'duration', help: '[DEPRECATED] How long to retain samples in storage. Use "storage.tsdb.retention.time" instead.' },
  { name: 'storage.tsdb.retention.time', kind: 'duration', help: 'How long to retain samples in storage. Defaults to 15d when no time or size retention is set. Units: y, w, d, h, m, s, ms.' },
  { name: 'storage.tsdb.retention.size', kind: 'bytes', help: 'Maximum number of bytes that can be stored for blocks. A unit is required: B, KB, MB, GB, TB, PB, EB (powers of 2). Ex: "512MB".' },
  { name: 'storage.tsdb.wal-compression', kind: 'bool', default: 'true', hidden: true, help: 'Compress the tsdb WAL.' },
  { name: 'storage.tsdb.no-lockfile', kind: 'bool', default: 'false', help: 'Do not create lockfile in data directory.' },
  ...AGENT_FLAGS,
  { name: 'storage.remote.flush-deadline', kind: 'duration', default: '1m', placeholder: '<duration>', help: 'How long to wait flushing sample on shutdown or config reload.' },
  { name: 'storage.remote.read-sample-limit', kind: 'int', default: '5e7', help: 'Maximum overall number of samples to return via the remote read interface, in a single query. 0 means no limit. Ignored for streamed response types.' },
  { name: 'storage.remote.read-concurrent-limit', kind: 'int', default: '10', help: 'Maximum number of concurrent remote read calls. 0 means no limit.' },
  { name: 'storage.remote.read-max-bytes-in-frame', kind: 'int', default: '1048576', help: 'Maximum number of bytes in a single frame for streaming remote read response types before marshalling.' },
  { name: 'query.lookback-delta', kind: 'duration', default: '5m', help: 'The maximum lookback duration for retrieving metrics during expression evaluations and federation.' },
  { name: 'query.timeout', kind: 'duration', default: '2m', help: 'Maximum time a query may take before being aborted.' },
  { name: 'query.max-concurrency', kind: 'int', default: '20', help: 'Maximum number of queries executed concurrently.' },
  { name: 'query.max-samples', kind: 'int', default: '50000000', help: 'Maximum number of samples a single query can load into memory.' },
  { name: 'enable-feature', kind: 'list', default: '', help: 'Comma separated feature names to enable.' },
  { name: 'agent', kind: 'bool', default: 'false', help: 'Run in agent mode (as --enable-feature=agent): scrape and receive into a WAL only, and forward with remote_write; no local queries.' },
  { name: 'log.level', kind: 'choice', default: 'info', choices: ['debug', 'info', 'warn', 'error'], help: 'Only log messages with the given severity or above. One of: [debug, info, warn, error]' },
  { name: 'log.format', kind: 'choice', default: 'logfmt', choices: ['logfmt', 'json'], help: 'Output format of log messages. One of: [logfmt, json]' },
];

const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((f) => [f.name, f]));

/** What the command line asks for. `values` holds only the flags given, as raw strings (lists: every item). */
export type ParsedArgs =
  | { readonly action: 'run'; readonly values: ReadonlyMap<string, string | readonly string[]> }
  | { readonly action: 'help' }
  | { readonly action: 'version' };

/** Splits argv (without the node and script paths) into raw flag values. Throws FlagError. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { action: 'help' };
    if (arg === '--version') return { action: 'version' };
    if (arg === '--') {
      if (i + 1 < argv.length) throw new FlagError(`unexpected ${argv[i + 1]}`, EXIT_USAGE);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') throw new FlagError(`unexpected ${arg}`, EXIT_USAGE);
    if (!arg.startsWith('--')) throw new FlagError(`unknown short flag '${arg}'`, EXIT_USAGE);

    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);

    let spec = FLAGS_BY_NAME.get(name);
    let value: string;
    if (spec === undefined && name.startsWith('no-') && FLAGS_BY_NAME.get(name.slice(3))?.kind === 'bool') {
      spec = FLAGS_BY_NAME.get(name.slice(3))!;
      if (inline !== undefined) throw new FlagError(`flag '--${name}' takes no value`, EXIT_USAGE);
      value = 'false';
    } else if (spec === undefined) {
      throw new FlagError(`unknown long flag '--${name}'`, EXIT_USAGE);
    } else if (spec.kind === 'bool') {
      value = inline ?? 'true';
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) throw new FlagError(`expected argument for flag '--${name}'`, EXIT_USAGE);
      value = next;
      i++;
    }

    const previous = values.get(spec.name);
    if (spec.kind === 'list') {
      values.set(spec.name, [...((previous as string[] | undefined) ?? []), value]);
    } else if (previous !== undefined) {
      throw new FlagError(`flag '${spec.name}' cannot be repeated`, EXIT_BAD_VALUE);
    } else {
      values.set(spec.name, value);
    }
  }
  return { action: 'run', values };
}

/** The --help text. */
export function usage(program: string): string {
  const rows: [string, string][] = [
    ['-h, --help', 'Show context-sensitive help.'],
    ['    --version', 'Show application version.'],
  ];
  for (const flag of FLAGS) {
    if (flag.hidden) continue;
    let left = `    --${flag.name}`;
    if (flag.kind !== 'bool') {
      const quoted = flag.kind === 'string' || flag.kind === 'choice' || flag.kind === 'list';
      const shown = flag.default === undefined ? (flag.placeholder ?? `<${flag.kind}>`) : quoted ? JSON.stringify(flag.default) : flag.default;
      left += `=${shown}`;
      if (flag.kind === 'list') left += ' ...';
    }
    rows.push([left, flag.help]);
  }
  const lines = [`usage: ${program} [<flags>]`, '', 'The Prometheus-compatible monitoring server', '', 'Flags:'];
  const column = 31;
  for (const [left, help] of rows) {
    const wrapped = wrap(help, 78 - column);
    const first = `  ${left}`;
    if (first.length + 2 > column) {
      lines.push(first);
      for (const line of wrapped) lines.push(' '.repeat(column) + line);
    } else {
      lines.push(first.padEnd(column) + wrapped[0]);
      for (const line of wrapped.slice(1)) lines.push(' '.repeat(column) + line);
    }
  }
  lines.push('', `Commands (\`${program} <command> --help\` for each):`);
  lines.push('  tsdb list|dump|create-blocks-from   Inspect and build TSDB data directories.');
  lines.push('  check config|metrics                Check config files and exposition bodies.');
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
