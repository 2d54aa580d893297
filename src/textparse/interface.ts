// The seam between the exposition-format parsers and their callers (the scrape loop, backfilling,
// `promwasm check metrics`), after Prometheus's model/textparse/interface.go: a cursor. next() moves to
// the next entry and says what it is; accessors read that entry from the parser's state, so a scrape
// creates no object per sample unless it asks for one (labels() on a scrape-cache miss).

import type { Labels } from '../model/labels.js';
import type { MetricType } from '../storage/interface.js';

export type { MetricType };

/** What next() found. */
export const Entry = {
  /** End of the input (text: end of the body; OpenMetrics: after `# EOF`). */
  Eof: 0,
  /** A sample: series(), labels(), value(), timestamp(), exemplar(). */
  Series: 1,
  /** `# TYPE`: metadataName(), type(). */
  Type: 2,
  /** `# HELP`: metadataName(), help(). */
  Help: 3,
  /** `# UNIT` (OpenMetrics): metadataName(), unit(). */
  Unit: 4,
  /** Any other `#` line (text format only): comment(). */
  Comment: 5,
} as const;

export type EntryKind = (typeof Entry)[keyof typeof Entry];

/** An exemplar as OpenMetrics carries it after ` # ` on a sample line. */
export interface ParsedExemplar {
  /** Sorted by name. Values are the raw text between the quotes: Prometheus 2.42 does not unescape them. */
  readonly labels: Labels;
  /** Read from a Float64Array: NaN is Go's NaN 0x7ff8000000000001. */
  readonly value: number;
  readonly hasTimestamp: boolean;
  /** Milliseconds; 0 when hasTimestamp is false. */
  readonly timestamp: number;
}

export interface ExpositionParser {
  readonly format: 'prometheus-text' | 'openmetrics';
  /** The bytes being parsed (the text parser's copy ends with the newline it appends). */
  readonly bytes: Uint8Array;

  /**
   * Moves to the next entry. Returns Entry.Eof at the end (and keeps returning it). Throws TextParseError
   * for input that fails a Prometheus 2.42 scrape; after that the parser must not be used.
   */
  next(): EntryKind;

  // Series entries.

  /** Byte range of the series text: metric name and label set as written (text: with any leading blanks). */
  readonly seriesStart: number;
  readonly seriesEnd: number;
  /**
   * The series text as a string with one character per byte: distinct byte sequences give distinct
   * strings. The key Prometheus's scrape cache uses (Parser.Series's []byte).
   */
  seriesKey(): string;
  /** The metric name as written (text format: including leading blanks, which the scrape loop rejects). */
  metricName(): string;
  /** `__name__` plus the label pairs, values unescaped, sorted by name (stable for duplicate names). */
  labels(): Labels;
  /** The sample value. NaN is always Go's NaN, bits 0x7ff8000000000001. */
  value(): number;
  /** Writes the value's exact bits to dst[index]. */
  copyValueTo(dst: Float64Array, index: number): void;
  hasTimestamp(): boolean;
  /** Milliseconds since the epoch (0 when hasTimestamp() is false). */
  timestamp(): number;
  /** Whether the sample carries an exemplar (OpenMetrics only). */
  hasExemplar(): boolean;
  /** The exemplar, or undefined. Allocates. */
  exemplar(): ParsedExemplar | undefined;

  // Metadata and comment entries.

  /** The metric family named by TYPE, HELP or UNIT. */
  metadataName(): string;
  type(): MetricType;
  /** HELP text, unescaped as the format defines. */
  help(): string;
  unit(): string;
  /** The whole comment line without its newline, `#` included. */
  comment(): string;
}

/**
 * Where and why parsing failed. `reason` is Prometheus 2.42's own message for the failure (what a
 * scrape's lastError would say); `message` adds the position.
 */
export class TextParseError extends Error {
  override readonly name = 'TextParseError';
  /** 1-based line and column (column counted in UTF-8 characters). */
  readonly line: number;
  readonly column: number;

  constructor(
    readonly reason: string,
    /** Byte offset of the offending token or byte. */
    readonly offset: number,
    bytes: Uint8Array,
  ) {
    const { line, column } = positionOf(bytes, offset);
    super(`${reason} (line ${line}, column ${column})`);
    this.line = line;
    this.column = column;
  }
}

/** Line and column of a byte offset: lines split at LF, columns count UTF-8 characters, both 1-based. */
export function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const end = Math.min(offset, bytes.length);
  let line = 1;
  let column = 1;
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if ((c & 0xc0) !== 0x80) {
      column++;
    }
  }
  return { line, column };
}
