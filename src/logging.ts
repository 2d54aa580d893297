// The process logger: pino, shaped like Prometheus's go-kit logs. Two formats, as
// --log.format offers: "logfmt" (ts=... level=info msg="..." key=value) and "json"
// ({"level":"info","ts":"...","msg":"..."}). Both write synchronously, so the last lines
// before an exit are never lost; logging is never on a hot path.

import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';

/** Where log lines go: anything with a synchronous write, e.g. process.stderr or a test buffer. */
export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Default: standard error, as Prometheus logs. */
  readonly sink?: LogSink;
}

export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? pino.destination({ fd: 2, sync: true });
  const stream = options.format === 'json' ? sink : { write: (line: string) => sink.write(jsonLineToLogfmt(line)) };
  return pino(
    {
      level: options.level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** Keys written first, in this order; the rest follow as pino wrote them. */
const LEADING_KEYS = ['ts', 'level', 'component', 'msg'];

/** Rewrites one pino JSON line as a logfmt line. */
export function jsonLineToLogfmt(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line; // not a pino record: pass it through untouched
  }
  const parts: string[] = [];
  for (const key of LEADING_KEYS) {
    if (key in record) parts.push(`${key}=${formatValue(record[key])}`);
  }
  for (const [key, value] of Object.entries(record)) {
    if (!LEADING_KEYS.includes(key)) parts.push(`${formatKey(key)}=${formatValue(value)}`);
  }
  return `${parts.join(' ')}\n`;
}

function formatKey(key: string): string {
  // logfmt keys cannot be quoted; replace what would break the line apart.
  return key.replace(/[\s="]/g, '_') || '_';
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return quoteIfNeeded(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (isSerializedError(value)) return quoteIfNeeded(value.message);
  return quoteIfNeeded(JSON.stringify(value));
}

function isSerializedError(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && 'stack' in value;
}

/** Quotes like go-logfmt: when the value is empty or holds a space, '=', '"' or a control character. */
function quoteIfNeeded(s: string): string {
  if (s !== '' && !/[\u0000-\u0020="\u007f]/.test(s)) return s;
  return JSON.stringify(s);
}
