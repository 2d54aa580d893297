// The configuration the server starts with: the file named by --config.file, or, without
// one, an embedded default shaped like the prometheus.yml Prometheus packages (15s scrape
// and evaluation intervals, one job scraping the server itself). The text is parsed as YAML
// and then read as Prometheus 2.42 reads it (decode-config.ts): defaults applied, every check
// made, errors worded as Prometheus words them plus the field's path, line and column.

import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { decodePrometheusConfig, DecodeFailure } from './decode-config.js';
import type { PrometheusConfig } from './types.js';

export const DEFAULT_CONFIG_YAML = `# Built-in configuration, used when --config.file is not given.
global:
  scrape_interval: 15s
  evaluation_interval: 15s

scrape_configs:
  # The server's own metrics, from /metrics.
  - job_name: "prometheus"
    static_configs:
      - targets: ["localhost:9090"]
`;

/** The label used in messages for the embedded configuration. */
export const DEFAULT_CONFIG_SOURCE = '<built-in default>';

export interface LoadedConfig {
  /** The file path, or DEFAULT_CONFIG_SOURCE. */
  readonly source: string;
  readonly text: string;
  /** The YAML document as plain data; an empty document is an empty mapping. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The configuration as Prometheus reads it: defaults applied, checked, frozen. */
  readonly prometheus: PrometheusConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    message: string,
    /** 1-based position of the error, when there is one. */
    readonly line?: number,
    readonly column?: number,
    /** The field the error is about, as a path (`scrape_configs[0].relabel_configs[1]`), when known. */
    readonly path?: string,
  ) {
    super(message);
  }
}

export interface ParseOptions {
  /** Directory that relative file paths in the configuration are resolved against (default: none). */
  readonly directory?: string;
}

/** Reads and parses the configuration file, or the embedded default when `file` is undefined. */
export async function loadConfig(file: string | undefined): Promise<LoadedConfig> {
  if (file === undefined) return parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_CONFIG_SOURCE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `reading ${file}: ${(err as Error).message}`);
  }
  return parseConfig(text, file, { directory: dirname(file) });
}

/** Parses and checks configuration text; every error is a ConfigError with line and column. */
export function parseConfig(text: string, source: string, options: ParseOptions = {}): LoadedConfig {
  // yaml's own limits apply: duplicate keys are errors, alias expansion is capped.
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true, lineCounter: lines });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new ConfigError(source, `parsing YAML file ${source}: line ${line}, column ${col}: ${firstLine(error.message)}`, line, col);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(source, `parsing YAML file ${source}: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(source, `parsing YAML file ${source}: the configuration must be a mapping, not ${Array.isArray(data) ? 'a sequence' : `a ${typeof data}`}`);
  }
  const prometheus = checkConfig(doc, lines, source, options.directory ?? '');
  return { source, text, config: data as Record<string, unknown>, prometheus };
}

/** Reads the document as Prometheus does; errors say `parsing YAML file <source>: ...` as Prometheus's do. */
function checkConfig(doc: ReturnType<typeof parseDocument>, lines: LineCounter, source: string, directory: string): PrometheusConfig {
  const prefix = `parsing YAML file ${source}: `;
  let result: ReturnType<typeof decodePrometheusConfig>;
  try {
    result = decodePrometheusConfig(doc, lines, directory);
  } catch (err) {
    if (err instanceof DecodeFailure) throw new ConfigError(source, prefix + err.message, err.line, err.column, err.path);
    throw err;
  }
  if ('config' in result) return result.config;
  const [first] = result.mismatches;
  const list = result.mismatches.map((m) => m.text).join('\n  ');
  throw new ConfigError(source, `${prefix}yaml: unmarshal errors:\n  ${list}`, first!.line, first!.column, first!.path);
}

function firstLine(message: string): string {
  const newline = message.indexOf('\n');
  return newline < 0 ? message : message.slice(0, newline);
}
