// Exposition-format parsing: pick the parser for a scrape response's Content-Type as Prometheus 2.42's
// textparse.New does, then walk the body with the cursor API in interface.ts.

import type { ExpositionParser } from './interface.js';
import { parseMediaType } from './media-type.js';
import { OpenMetricsParser } from './openmetrics-parser.js';
import { PromTextParser } from './prom-parser.js';

export { Entry, TextParseError, positionOf, type EntryKind, type ExpositionParser, type MetricType, type ParsedExemplar } from './interface.js';
export { OpenMetricsParser } from './openmetrics-parser.js';
export { PromTextParser } from './prom-parser.js';
export { parseMediaType } from './media-type.js';
export { parseGoFloat, secondsToMillis, NumberSyntaxError } from './go-numbers.js';

export type ExpositionFormat = 'prometheus-text' | 'openmetrics' | 'protobuf';

/**
 * The format Prometheus 2.42 parses a body with: a Content-Type that Go's mime.ParseMediaType accepts
 * with media type application/openmetrics-text (any version) is OpenMetrics, application/vnd.google.protobuf
 * is protobuf, and everything else (missing, unparsable, text/html, ...) is the text format.
 */
export function expositionFormatFor(contentType: string | undefined): ExpositionFormat {
  if (contentType === undefined || contentType === '') return 'prometheus-text';
  switch (parseMediaType(contentType)) {
    case 'application/openmetrics-text':
      return 'openmetrics';
    case 'application/vnd.google.protobuf':
      return 'protobuf';
    default:
      return 'prometheus-text';
  }
}

/** The protobuf exposition (native histograms) is not implemented here. */
export class UnsupportedFormatError extends Error {
  override readonly name = 'UnsupportedFormatError';
}

/** A parser for `body` chosen by `contentType` as textparse.New chooses it. The body is not copied (OpenMetrics) or copied once (text). */
export function createParser(body: Uint8Array, contentType: string | undefined): ExpositionParser {
  const format = expositionFormatFor(contentType);
  if (format === 'openmetrics') return new OpenMetricsParser(body);
  if (format === 'protobuf') throw new UnsupportedFormatError(`unsupported exposition format: ${contentType}`);
  return new PromTextParser(body);
}
