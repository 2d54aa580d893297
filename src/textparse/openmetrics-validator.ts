// Strict OpenMetrics 1.0 validation: what the OpenMetrics specification (and its conformance suite)
// requires beyond what a Prometheus 2.42 scrape enforces. The syntax is checked by the scrape parser
// itself (it is already strict: single spaces, `# EOF`, valid names, Go number syntax, UTF-8); this layer
// adds the rules about families, metric types and their samples:
//
// - metadata: at most one TYPE, HELP and UNIT per family, all before the family's samples; no UNIT on
//   info and stateset families;
// - family names: unique, and no family's possible sample names (name + type suffixes) may clash with
//   another's; samples of a family are contiguous, and a sample whose name is not one of the current
//   family's starts a new family of type unknown;
// - label sets: no duplicate label names; in histograms `le` only on buckets, in summaries `quantile` only
//   on quantiles;
// - metrics: the samples of one label set are contiguous, all with or all without timestamps, timestamps
//   never decreasing; the same series twice without timestamps is refused;
// - counters: `_total`, `_sum`, `_count`, `_bucket`, `_gcount` neither NaN nor negative; `_gsum` not NaN;
// - histograms and gauge histograms, per MetricPoint: buckets with an `le` that is a number (+Inf spelled
//   "+Inf"), strictly increasing, cumulative integer counts, a +Inf bucket, `_count`/`_gcount` an integer
//   equal to the +Inf bucket, `_sum` and `_count` (`_gsum` and `_gcount`) together, no `_sum` with
//   negative buckets, a negative `_gsum` only with negative buckets;
// - summaries: a `quantile` label between 0 and 1 on every quantile sample, quantile values not negative;
// - stateset: a label named after the family, values 0 or 1; info: value 1;
// - exemplars: only on counter `_total` and (gauge) histogram `_bucket` samples, label names and values
//   together at most 128 characters, the value within its bucket (not above `le`).

import type { Labels } from '../model/labels.js';
import type { MetricType } from '../storage/interface.js';
import { Entry, TextParseError, type ParsedExemplar } from './interface.js';
import { OpenMetricsParser } from './openmetrics-parser.js';
import { NumberSyntaxError, parseGoFloat } from './go-numbers.js';

const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};

const NEVER_NAN = new Set(['_total', '_sum', '_count', '_bucket', '_gcount', '_gsum']);
const NEVER_NEGATIVE = new Set(['_total', '_sum', '_count', '_bucket', '_gcount']);
const MAX_EXEMPLAR_RUNES = 128;

/** What a family has seen of one MetricPoint of a histogram or gauge histogram. */
interface HistogramPoint {
  lastLe: number | undefined;
  lastBucketValue: number;
  count: number | undefined;
  hasSum: boolean;
  hasGsum: boolean;
  negativeBuckets: boolean;
  negativeGsum: boolean;
  /** Where the point started, for its errors. */
  offset: number;
}

interface Family {
  readonly name: string;
  readonly offset: number;
  type: MetricType | undefined;
  help: boolean;
  unit: string | undefined;
  hasSamples: boolean;
  seenGroups: Set<string>;
  group: string | undefined;
  /** Timestamp in seconds of the group's last sample; undefined when it had none. */
  groupTs: number | undefined;
  /** Series of the current group seen without a timestamp. */
  untimedSeries: Set<string>;
  point: HistogramPoint | undefined;
  pointKey: string | undefined;
}

/** Validates a whole OpenMetrics body; throws TextParseError (Prometheus's or this validator's reason). */
export function validateOpenMetrics(body: Uint8Array): void {
  new OpenMetricsValidator(body).run();
}

class OpenMetricsValidator {
  private readonly parser: OpenMetricsParser;
  private readonly reserved = new Set<string>();
  private family: Family | undefined;

  constructor(body: Uint8Array) {
    this.parser = new OpenMetricsParser(body);
  }

  run(): void {
    const p = this.parser;
    for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
      if (e === Entry.Series) this.sample();
      else this.metadata(e);
    }
    this.endFamily();
  }

  private fail(reason: string, offset: number): never {
    throw new TextParseError(reason, offset, this.parser.bytes);
  }

  private startFamily(name: string, offset: number): Family {
    this.endFamily();
    this.family = {
      name, offset, type: undefined, help: false, unit: undefined, hasSamples: false,
      seenGroups: new Set(), group: undefined, groupTs: undefined, untimedSeries: new Set(), point: undefined, pointKey: undefined,
    };
    return this.family;
  }

  private metadata(e: number): void {
    const p = this.parser;
    const name = p.metadataName();
    const at = p.seriesStart;
    let f = this.family;
    if (f !== undefined && f.name === name) {
      if (f.hasSamples) this.fail(`metadata for ${name} after its samples`, at);
    } else {
      f = this.startFamily(name, at);
    }
    if (e === Entry.Type) {
      if (f.type !== undefined) this.fail(`second TYPE line for ${name}`, at);
      f.type = p.type();
    } else if (e === Entry.Help) {
      if (f.help) this.fail(`second HELP line for ${name}`, at);
      f.help = true;
    } else {
      if (f.unit !== undefined) this.fail(`second UNIT line for ${name}`, at);
      f.unit = p.unit();
    }
  }

  /** Closes the current family: its name reservations, unit rule and last histogram point. */
  private endFamily(): void {
    const f = this.family;
    if (f === undefined) return;
    this.family = undefined;
    const type = f.type ?? 'unknown';
    for (const suffix of new Set([...SUFFIXES[type], ''])) {
      const n = f.name + suffix;
      if (this.reserved.has(n)) this.fail(`metric family ${f.name} clashes with an earlier family over the name ${n}`, f.offset);
      this.reserved.add(n);
    }
    if (f.unit && (type === 'info' || type === 'stateset')) this.fail(`${type} metric family ${f.name} cannot have a unit`, f.offset);
    this.endPoint(f);
  }

  private sample(): void {
    const p = this.parser;
    const at = p.seriesStart;
    const name = p.metricName();
    const labels = p.labels();
    for (let k = 1; k < labels.length; k++) {
      if (labels[k]!.name === labels[k - 1]!.name) this.fail(`duplicate label name ${labels[k]!.name}`, at);
    }
    let f = this.family;
    const type = f?.type ?? 'unknown';
    if (f === undefined || !SUFFIXES[type].some((s) => f!.name + s === name)) f = this.startFamily(name, at);
    f.hasSamples = true;
    const ftype = f.type ?? 'unknown';
    const suffix = name.slice(f.name.length);
    const value = p.value();
    const isBucket = suffix === '_bucket' && (ftype === 'histogram' || ftype === 'gaugehistogram');
    const isQuantile = suffix === '' && ftype === 'summary';
    const le = isBucket ? this.numberLabel(labels, 'le', at) : undefined;

    for (const l of labels) {
      if (l.name === 'le' && !isBucket && (ftype === 'histogram' || ftype === 'gaugehistogram')) this.fail(`histogram sample ${name} cannot have an le label`, at);
      if (l.name === 'quantile' && !isQuantile && ftype === 'summary') this.fail(`summary sample ${name} cannot have a quantile label`, at);
    }
    if (NEVER_NAN.has(suffix) && value !== value) this.fail(`${name} cannot be NaN`, at);
    if (NEVER_NEGATIVE.has(suffix) && value < 0) this.fail(`${name} cannot be negative`, at);
    if ((isBucket || suffix === '_count' || suffix === '_gcount') && !Number.isInteger(value)) this.fail(`${name} must be an integer`, at);
    if (ftype === 'stateset') {
      if (!labels.some((l) => l.name === f!.name)) this.fail(`stateset sample without the label ${f.name}`, at);
      if (value !== 0 && value !== 1) this.fail('stateset values must be 0 or 1', at);
    }
    if (ftype === 'info' && value !== 1) this.fail('info values must be 1', at);
    if (isQuantile) {
      const q = this.numberLabel(labels, 'quantile', at);
      if (!(q >= 0 && q <= 1)) this.fail('quantile must be between 0 and 1', at);
      if (value < 0) this.fail('quantile values cannot be negative', at);
    }
    if (p.hasExemplar()) this.exemplar(p.exemplar()!, name, ftype, le, at);

    const groupLabels = labels.filter((l) => l.name !== '__name__' && !(isBucket && l.name === 'le') && !(isQuantile && l.name === 'quantile') && !(ftype === 'stateset' && l.name === f!.name));
    this.metricOrder(f, groupLabels, key(labels), at);
    if (ftype === 'histogram' || ftype === 'gaugehistogram') this.histogramSample(f, suffix, value, le, at);
  }

  /** A label that must hold a number: present, not NaN, and +Inf spelled "+Inf". */
  private numberLabel(labels: Labels, name: string, at: number): number {
    const l = labels.find((x) => x.name === name);
    if (l === undefined) this.fail(`missing label ${name}`, at);
    const bytes = Buffer.from(l.value);
    let v: number;
    try {
      v = parseGoFloat(bytes, 0, bytes.length);
    } catch (e) {
      if (e instanceof NumberSyntaxError) this.fail(`label ${name} is not a number: ${JSON.stringify(l.value)}`, at);
      throw e;
    }
    if (v !== v) this.fail(`label ${name} cannot be NaN`, at);
    if (v === Infinity && l.value !== '+Inf') this.fail(`label ${name} must spell infinity "+Inf"`, at);
    return v;
  }

  private exemplar(e: ParsedExemplar, name: string, type: MetricType, le: number | undefined, at: number): void {
    const allowed = (type === 'counter' && name.endsWith('_total')) || ((type === 'histogram' || type === 'gaugehistogram') && name.endsWith('_bucket'));
    if (!allowed) this.fail(`exemplars are only allowed on counter totals and histogram buckets, not on ${name}`, at);
    let runes = 0;
    for (const l of e.labels) runes += [...l.name].length + [...unescapeLabelValue(l.value)].length;
    if (runes > MAX_EXEMPLAR_RUNES) this.fail(`exemplar labels have ${runes} characters, more than ${MAX_EXEMPLAR_RUNES}`, at);
    if (le !== undefined && !(e.value <= le)) this.fail(`exemplar value ${e.value} is above its bucket's le ${le}`, at);
  }

  /** Label sets contiguous; within one, timestamps all present or all absent and never decreasing. */
  private metricOrder(f: Family, groupLabels: Labels, series: string, at: number): void {
    const p = this.parser;
    const group = key(groupLabels);
    const ts = p.hasTimestamp() ? p.timestampSeconds() : undefined;
    if (group !== f.group) {
      if (f.seenGroups.has(group)) this.fail('samples of one label set are not together (interleaved metrics)', at);
      f.seenGroups.add(group);
      f.group = group;
      f.untimedSeries.clear();
    } else {
      if ((ts === undefined) !== (f.groupTs === undefined)) this.fail('samples of one label set mix lines with and without timestamps', at);
      if (ts !== undefined && ts < f.groupTs!) this.fail('timestamps of one label set go backwards', at);
    }
    if (ts === undefined) {
      if (f.untimedSeries.has(series)) this.fail('the same series twice without timestamps', at);
      f.untimedSeries.add(series);
    }
    f.groupTs = ts;
  }

  private histogramSample(f: Family, suffix: string, value: number, le: number | undefined, at: number): void {
    const pointKey = `${f.group}\xff${f.groupTs}`;
    if (pointKey !== f.pointKey) {
      this.endPoint(f);
      f.pointKey = pointKey;
      f.point = { lastLe: undefined, lastBucketValue: 0, count: undefined, hasSum: false, hasGsum: false, negativeBuckets: false, negativeGsum: false, offset: at };
    }
    const pt = f.point!;
    if (suffix === '_bucket') {
      if (le! < 0) pt.negativeBuckets = true;
      if (pt.lastLe !== undefined && le! <= pt.lastLe) this.fail('histogram buckets are not in increasing le order', at);
      if (value < pt.lastBucketValue) this.fail('histogram bucket counts are not cumulative', at);
      pt.lastLe = le;
      pt.lastBucketValue = value;
    } else if (suffix === '_count' || suffix === '_gcount') {
      pt.count = value;
    } else if (suffix === '_sum') {
      pt.hasSum = true;
    } else if (suffix === '_gsum') {
      pt.hasGsum = true;
      if (value < 0) pt.negativeGsum = true;
    }
  }

  private endPoint(f: Family): void {
    const pt = f.point;
    if (pt === undefined) return;
    f.point = undefined;
    f.pointKey = undefined;
    const at = pt.offset;
    const what = `${f.type === 'gaugehistogram' ? 'gauge histogram' : 'histogram'} ${f.name}`;
    if (pt.lastLe !== Infinity) this.fail(`${what} has no +Inf bucket`, at);
    if (pt.count !== undefined && pt.count !== pt.lastBucketValue) this.fail(`${what}: count does not equal the +Inf bucket`, at);
    if ((pt.hasSum || pt.hasGsum) && pt.count === undefined) this.fail(`${what} has a sum but no count`, at);
    if (!pt.hasSum && !pt.hasGsum && pt.count !== undefined) this.fail(`${what} has a count but no sum`, at);
    if (pt.negativeBuckets && pt.hasSum) this.fail(`${what} has negative buckets and a sum`, at);
    if (!pt.negativeBuckets && pt.negativeGsum) this.fail(`${what} has a negative sum without negative buckets`, at);
  }
}

function key(labels: Labels): string {
  let s = '';
  for (const l of labels) s += `${l.name}\xff${l.value}\xff`;
  return s;
}

/** Label value escapes (exemplar values come raw from the parser). */
function unescapeLabelValue(raw: string): string {
  return raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
