// Decoders for the value types of a Prometheus configuration that parse their own text (Go types with
// an UnmarshalYAML or UnmarshalText method): durations, byte sizes, URLs, secrets, label names, label
// sets, regexes. A null value is the type's zero value; a bad text stops decoding with Go's message.

import { isScalar } from 'yaml';
import { goQuote } from '../format/go-quote.js';
import { DurationError, parseDuration } from '../model/duration.js';
import { compareStrings, type Labels } from '../model/labels.js';
import { isValidLabelName } from '../relabel/config.js';
import { parseBytes } from '../server/units.js';
import { parseGoUrl, GoUrlError } from './go-url.js';
import { BAD, type Decoded, type YamlDecoder, type YamlNode } from './yaml-decode.js';

/** Everything the section decoders share: the YAML decoder and the configuration file's directory. */
export interface DecodeContext {
  readonly dec: YamlDecoder;
  /** Directory that relative file paths are resolved against ("" leaves them as written). */
  readonly directory: string;
}

/** model.Duration, in milliseconds. */
export function durationValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<number> {
  if (dec.isNull(node, path)) return 0;
  const text = dec.string(node, path);
  if (text === BAD) return BAD;
  try {
    return parseDuration(text);
  } catch (err) {
    if (err instanceof DurationError) dec.fail(node, path, err.message);
    throw err;
  }
}

/** units.Base2Bytes (a TextUnmarshaler: any scalar's text is parsed). */
export function bytesValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<number> {
  if (dec.isNull(node, path)) return 0;
  const n = dec.resolve(node, path);
  if (!isScalar(n)) {
    dec.mismatch(node, path, 'units.Base2Bytes');
    return BAD;
  }
  const view = dec.scalar(n, path);
  if (view.tag === '!!null') return 0;
  try {
    return parseBytes(view.text);
  } catch (err) {
    return dec.fail(node, path, (err as Error).message);
  }
}

/** config.Secret: a string whose own type is named config.plain in messages. */
export function secretValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<string> {
  if (dec.isNull(node, path)) return '';
  return dec.string(node, path, 'config.plain');
}

/** config.URL: parsed as Go's url.Parse does; "" when null (no URL). */
export function urlValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<{ text: string } | undefined> {
  if (dec.isNull(node, path)) return undefined;
  const text = dec.string(node, path);
  if (text === BAD) return BAD;
  try {
    parseGoUrl(text);
  } catch (err) {
    if (err instanceof GoUrlError) dec.fail(node, path, err.message);
    throw err;
  }
  return { text };
}

/** model.LabelName: checked when given; null is "" and not checked (as in yaml.v2). */
export function labelNameValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<string> {
  if (dec.isNull(node, path)) return '';
  const text = dec.string(node, path);
  if (text === BAD) return BAD;
  if (!isValidLabelName(text)) dec.fail(node, path, `${goQuote(text)} is not a valid label name`);
  return text;
}

/** model.LabelSet (map[LabelName]LabelValue): names checked, values as written, sorted by name. */
export function labelSetValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<Labels> {
  const m = dec.mapping(
    node,
    path,
    'model.LabelSet',
    (n, p) => dec.string(n, p, 'model.LabelValue'),
    (text, keyNode, p) => {
      if (!dec.isNull(keyNode, p) && !isValidLabelName(text)) dec.fail(keyNode, p, `${goQuote(text)} is not a valid label name`);
      return text;
    },
  );
  if (m === BAD) return BAD;
  return sortedLabels(m);
}

/** map[string]string. */
export function stringMapValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<Record<string, string>> {
  const m = dec.mapping(node, path, 'map[string]string', (n, p) => dec.string(n, p));
  return m === BAD ? BAD : Object.freeze(Object.fromEntries(m));
}

/** []string. */
export function stringListValue(dec: YamlDecoder, node: YamlNode, path: string): Decoded<string[]> {
  return dec.sequence(node, path, '[]string', (n, p) => dec.string(n, p));
}

export function sortedLabels(m: ReadonlyMap<string, string>): Labels {
  return Object.freeze(
    [...m]
      .map(([name, value]) => Object.freeze({ name, value }))
      .sort((a, b) => compareStrings(a.name, b.name)),
  );
}

/** Sets `target[key]` when the decoded value is good (a bad one leaves the default, as yaml.v2 does). */
export function assign<T, K extends keyof T>(target: T, key: K, value: Decoded<T[K]>): void {
  if (value !== BAD) target[key] = value;
}

/** Go's config.JoinDir: a relative, non-empty path joined to the configuration's directory. */
export function joinDir(ctx: DecodeContext, file: string): string {
  if (file === '' || ctx.directory === '' || file.startsWith('/')) return file;
  return joinPath(ctx.directory, file);
}

/** filepath.Join + Clean for POSIX paths. */
function joinPath(dir: string, file: string): string {
  const absolute = dir.startsWith('/');
  const parts: string[] = [];
  for (const part of `${dir}/${file}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? '/' + joined : joined === '' ? '.' : joined;
}
