// Strict validation of the text format 0.0.4, for `promwasm check metrics`: a body is valid when a
// Prometheus 2.42 scrape accepts it (the scrape parser, then the scrape loop's name check) AND
// `promtool check metrics` can read it (prometheus/common expfmt's TextParser, which promlint uses).
// The result is the metric families as expfmt groups them, ready for linting.
//
// What this adds to the scrape parser (each is a 2.42 scrape success that promtool refuses, or the reverse):
// - the body must end with a newline; a NUL byte may not end it early;
// - no blanks before a metric name (the scrape loop refuses that name);
// - label values: only the escapes \\ \" \n, no raw newline; no label named __name__; no duplicate names;
// - HELP text: only the escapes \\ and \n; a HELP/TYPE metric name must be followed by a blank;
// - at most one HELP and one TYPE per family, TYPE before the family's samples (`_sum`, `_count` and
//   `_bucket` belong to a summary or histogram family declared before them);
// - `quantile` and `le` values of summaries and histograms must be numbers;
// - no blanks after the value or timestamp at the end of a line;
// - `#HELP`/`#TYPE` without a blank after `#` are metadata to promtool (and comments to a scrape).

import type { Label, Labels } from '../model/labels.js';
import { Entry, TextParseError } from './interface.js';
import { NumberSyntaxError, parseGoFloat } from './go-numbers.js';
import { PromTextParser } from './prom-parser.js';
import { quoteGoBytes } from './quote.js';
import { LF, METRIC_CONT, METRIC_START, SPACE, TAB } from './tokens.js';

/** expfmt's metric types (dto.MetricType). */
export type TextMetricType = 'counter' | 'gauge' | 'summary' | 'untyped' | 'histogram' | 'gauge_histogram';

export interface TextMetric {
  /** The label pairs as expfmt keeps them: without `quantile` (summaries) or `le` (histograms). */
  readonly labels: Labels;
  buckets: number;
  quantiles: number;
}

export interface TextFamily {
  readonly name: string;
  type: TextMetricType | undefined;
  help: string | undefined;
  readonly metrics: TextMetric[];
}

const EXPFMT_TYPES: Readonly<Record<string, TextMetricType>> = {
  COUNTER: 'counter', GAUGE: 'gauge', SUMMARY: 'summary', UNTYPED: 'untyped', HISTOGRAM: 'histogram', GAUGE_HISTOGRAM: 'gauge_histogram',
};
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function isBlank(c: number | undefined): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Validates a text-format body; returns the families that have samples, in the order they were first
 * seen. Throws TextParseError at the first problem.
 */
export function validateText(body: Uint8Array): TextFamily[] {
  return new TextValidator(body).run();
}

class TextValidator {
  private readonly p: PromTextParser;
  private readonly families = new Map<string, TextFamily>();
  /** Per histogram/summary family: metric by label signature. */
  private readonly grouped = new Map<TextFamily, Map<string, TextMetric>>();

  constructor(private readonly body: Uint8Array) {
    this.p = new PromTextParser(body);
  }

  private fail(reason: string, offset: number): never {
    throw new TextParseError(reason, offset, this.body);
  }

  run(): TextFamily[] {
    this.checkFinalNewline();
    const p = this.p;
    for (let e = p.next(); ; e = p.next()) {
      if (e === Entry.Eof) {
        if (p.offset < p.bytes.length) this.fail('a NUL byte ends the input early', Math.max(0, this.body.indexOf(0, p.seriesStart)));
        break;
      }
      if (e === Entry.Series) this.sample();
      else if (e === Entry.Help || e === Entry.Type) this.metadataLine();
      else if (/^#(HELP|TYPE)[ \t]/.test(p.comment())) this.metadataLine();
    }
    return [...this.families.values()].filter((f) => f.metrics.length > 0);
  }

  /** expfmt reads to the end of the last line: trailing blanks are fine, a last line without LF is not. */
  private checkFinalNewline(): void {
    const b = this.body;
    let end = b.length;
    while (end > 0 && isBlank(b[end - 1])) end--;
    if (end > 0 && b[end - 1] !== LF) this.fail('unexpected end of input stream (the last line has no newline)', end);
  }

  /** Finds a line's family as expfmt does: `_count`/`_sum` (`_bucket`) join a summary (histogram) family. */
  private familyFor(name: string): TextFamily {
    const exact = this.families.get(name);
    if (exact) return exact;
    for (const [suffix, types] of [['_count', ['summary', 'histogram']], ['_sum', ['summary', 'histogram']], ['_bucket', ['histogram']]] as const) {
      if (name.length > suffix.length && name.endsWith(suffix)) {
        const base = this.families.get(name.slice(0, -suffix.length));
        if (base && (types as readonly string[]).includes(base.type ?? '')) return base;
      }
    }
    const f: TextFamily = { name, type: undefined, help: undefined, metrics: [] };
    this.families.set(name, f);
    return f;
  }

  /** A HELP or TYPE line, read the way expfmt reads it (all blanks after the name are separators). */
  private metadataLine(): void {
    const b = this.body;
    const lineStart = this.p.seriesStart;
    const lineEnd = this.p.offset - 1;
    let i = lineStart;
    while (isBlank(b[i])) i++;
    i++; // '#'
    while (isBlank(b[i])) i++;
    const isHelp = b[i] === 0x48; // 'H'
    i += 4;
    while (isBlank(b[i])) i++;
    const nameStart = i;
    if (METRIC_START[b[i]!]) while (METRIC_CONT[b[++i]!]);
    if (i === nameStart && i !== lineEnd) this.fail('invalid metric name in comment', i);
    if (i === lineEnd) return; // nothing after the name: ignored
    if (!isBlank(b[i])) this.fail('invalid metric name in comment', i);
    const family = this.familyFor(Buffer.from(b.subarray(nameStart, i)).toString('latin1'));
    while (isBlank(b[i])) i++;
    if (i >= lineEnd) return;
    if (isHelp) {
      if (family.help !== undefined) this.fail(`second HELP line for metric name "${family.name}"`, lineStart);
      family.help = this.helpText(i, lineEnd);
      return;
    }
    if (family.type !== undefined) this.fail(`second TYPE line for metric name "${family.name}", or TYPE reported after samples`, lineStart);
    const word = Buffer.from(b.subarray(i, lineEnd)).toString('utf8');
    const type = EXPFMT_TYPES[word.toUpperCase()];
    if (type === undefined) this.fail(`unknown metric type ${JSON.stringify(word)}`, i);
    family.type = type;
  }

  /** HELP text with expfmt's escapes: `\\` and `\n` only. */
  private helpText(start: number, end: number): string {
    const b = this.body;
    const out: number[] = [];
    for (let i = start; i < end; i++) {
      if (b[i] !== 0x5c) {
        out.push(b[i]!);
        continue;
      }
      const d = b[++i];
      if (d === 0x5c) out.push(0x5c);
      else if (d === 0x6e) out.push(LF);
      else this.fail(`invalid escape sequence ${quoteGoBytes(b, i - 1, Math.min(i + 1, end + 1))} in HELP`, i - 1);
    }
    return Buffer.from(out).toString('utf8');
  }

  private sample(): void {
    const p = this.p;
    const b = this.body;
    const at = p.seriesStart;
    const name = p.metricName();
    if (!METRIC_NAME.test(name)) this.fail(`invalid metric name ${JSON.stringify(name)}`, at);
    if (isBlank(b[p.offset - 2])) this.fail('blanks at the end of the line', p.offset - 2);
    const seen = new Set<string>();
    for (let k = 0; k < p.rawLabelCount(); k++) {
      const [ns, ne, vs, ve] = p.rawLabel(k);
      const label = Buffer.from(b.subarray(ns, ne)).toString('latin1');
      if (label === '__name__') this.fail('label name "__name__" is reserved', ns);
      if (seen.has(label)) this.fail(`duplicate label names for metric "${name}"`, ns);
      seen.add(label);
      this.checkLabelValue(vs, ve);
    }
    const family = this.familyFor(name);
    family.type ??= 'untyped';
    const labels = p.labels().filter((l) => l.name !== '__name__');
    if (family.type === 'summary' || family.type === 'histogram') this.groupedSample(family, name, labels, at);
    else family.metrics.push({ labels, buckets: 0, quantiles: 0 });
  }

  /** expfmt's label value rules: only `\\`, `\"`, `\n`, no raw newline (and so no stray quote). */
  private checkLabelValue(start: number, end: number): void {
    const b = this.body;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c === LF) this.fail('label value contains an unescaped new-line', i);
      if (c === 0x22) this.fail('label value ends before its closing quote (NUL bytes after a quote)', i);
      if (c !== 0x5c) continue;
      const d = b[++i];
      if (d !== 0x5c && d !== 0x22 && d !== 0x6e) this.fail(`invalid escape sequence ${quoteGoBytes(b, i - 1, i + 1)}`, i - 1);
    }
  }

  /** Summaries and histograms: samples of one label set (without quantile/le) form one metric. */
  private groupedSample(family: TextFamily, name: string, labels: Label[], at: number): void {
    const special = family.type === 'summary' ? 'quantile' : 'le';
    const isCount = name.length > 6 && name.endsWith('_count') && name !== family.name;
    const isSum = name.length > 4 && name.endsWith('_sum') && name !== family.name;
    let hasSpecial = false;
    const kept: Label[] = [];
    for (const l of labels) {
      if (l.name !== special) {
        kept.push(l);
        continue;
      }
      const v = Buffer.from(l.value);
      try {
        parseGoFloat(v, 0, v.length);
      } catch (e) {
        if (e instanceof NumberSyntaxError) this.fail(`expected float as value for '${special}' label, got ${JSON.stringify(l.value)}`, at);
        throw e;
      }
      hasSpecial = true;
    }
    let byKey = this.grouped.get(family);
    if (!byKey) this.grouped.set(family, (byKey = new Map()));
    const key = kept.map((l) => `${l.name}\xff${l.value}`).join('\xff');
    let metric = byKey.get(key);
    if (!metric) {
      metric = { labels: kept, buckets: 0, quantiles: 0 };
      byKey.set(key, metric);
      family.metrics.push(metric);
    }
    if (!isCount && !isSum && hasSpecial) {
      if (special === 'le') metric.buckets++;
      else metric.quantiles++;
    }
  }
}
