// Remote write 2.0: `io.prometheus.write.v2.Request` walked by hand (field numbers in
// src/remote/proto/io/prometheus/write/v2/types.proto). Strings live once in `symbols` and
// may come after the series that refer to them, so references are collected during the walk
// and resolved, and checked, once the whole body has been read.

import { compareStrings, type Label } from '../model/labels.js';
import type { Exemplar } from '../storage/interface.js';
import { decodeHistogram, skipField } from './decode-common.js';
import { metricTypeOf, type DecodedWriteRequest } from './decoded-request.js';
import { fmix32, mixWord } from './hash32.js';
import { SymbolLabelSetCache } from './label-cache.js';
import {
  ProtoReader,
  tagOf,
  WIRE_BYTES as LEN,
  WIRE_FIXED64 as I64,
  WIRE_VARINT as VARINT,
} from './proto-reader.js';
import { normalizeLabels, type NormalizedLabels } from './series-labels.js';

/** What the walk collects before symbols can be resolved; reused across requests. */
export class SymbolRefs {
  /** labels_refs of all series; series i owns [seriesStart[i], seriesStart[i+1]). */
  seriesRefs = new Uint32Array(1024);
  seriesStart = new Uint32Array(257);
  seriesRefCount = 0;
  /** Per series: metadata present, its type number, help_ref and unit_ref. */
  hasMetadata = new Uint8Array(256);
  metadataType = new Int32Array(256);
  helpRef = new Uint32Array(256);
  unitRef = new Uint32Array(256);
  /** labels_refs of all exemplars; exemplar k owns [exemplarStart[k], exemplarStart[k+1]). */
  exemplarRefs = new Uint32Array(64);
  exemplarStart = new Uint32Array(65);
  exemplarRefCount = 0;
  exemplarValues = new Float64Array(64);
  exemplarTimestamps = new Float64Array(64);
  /** Per symbol: the hash of its bytes (StringTable.lastHash). */
  symbolHashes = new Int32Array(1024);
  /** Normalized label sets, across requests. */
  readonly labelSets = new SymbolLabelSetCache();
  /** Scratch for one series' label pairs. */
  names: string[] = [];
  values: string[] = [];

  pushSymbolHash(i: number, hash: number): void {
    if (i === this.symbolHashes.length) this.symbolHashes = grown(this.symbolHashes);
    this.symbolHashes[i] = hash;
  }

  pushSeriesRef(ref: number): void {
    if (this.seriesRefCount === this.seriesRefs.length) this.seriesRefs = grown(this.seriesRefs);
    this.seriesRefs[this.seriesRefCount++] = ref;
  }

  pushExemplarRef(ref: number): void {
    if (this.exemplarRefCount === this.exemplarRefs.length) this.exemplarRefs = grown(this.exemplarRefs);
    this.exemplarRefs[this.exemplarRefCount++] = ref;
  }

  ensureSeries(n: number): void {
    if (n + 1 < this.seriesStart.length) return;
    const size = (this.seriesStart.length - 1) * 2 + 1;
    this.seriesStart = grown(this.seriesStart, size);
    this.hasMetadata = grown(this.hasMetadata, size);
    this.metadataType = grown(this.metadataType, size);
    this.helpRef = grown(this.helpRef, size);
    this.unitRef = grown(this.unitRef, size);
  }

  ensureExemplars(n: number): void {
    if (n + 1 < this.exemplarStart.length) return;
    const size = (this.exemplarStart.length - 1) * 2 + 1;
    this.exemplarStart = grown(this.exemplarStart, size);
    this.exemplarValues = grown(this.exemplarValues, size);
    this.exemplarTimestamps = grown(this.exemplarTimestamps, size);
  }
}

type Grownable = Uint8Array | Uint32Array | Int32Array | Float64Array;
function grown<T extends Grownable>(a: T, size = a.length * 2): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a as never);
  return b;
}

const REQUEST_FIELDS = ['', '', '', '', 'symbols', 'timeseries'];
const R_SYMBOLS = tagOf(4, LEN);
const R_TIMESERIES = tagOf(5, LEN);

/** Decodes a 2.0 Request into `out` (reset first). Throws ProtoDecodeError. */
export function decodeWriteRequestV2(r: ProtoReader, body: Uint8Array, out: DecodedWriteRequest, refs: SymbolRefs): void {
  r.reset(body);
  out.reset(2, body);
  refs.seriesRefCount = 0;
  refs.exemplarRefCount = 0;
  refs.exemplarStart[0] = 0;
  const end = body.length;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === R_TIMESERIES) decodeTimeSeries(r, r.bytesEnd(end), out, refs);
    else if (tag === R_SYMBOLS) {
      out.symbols.push(r.string(end, 'Request.symbols'));
      refs.pushSymbolHash(out.symbols.length - 1, r.strings.lastHash);
    }
    else skipField(r, tag, end, 'Request', REQUEST_FIELDS);
  }
  resolveSymbols(out, refs);
}

const TIME_SERIES_FIELDS = ['', 'labels_refs', 'samples', 'histograms', 'exemplars', 'metadata', 'created_timestamp'];
const T_LABELS_REFS = tagOf(1, VARINT);
const T_LABELS_REFS_PACKED = tagOf(1, LEN);
const T_SAMPLES = tagOf(2, LEN);
const T_HISTOGRAMS = tagOf(3, LEN);
const T_EXEMPLARS = tagOf(4, LEN);
const T_METADATA = tagOf(5, LEN);
const T_CREATED_TIMESTAMP = tagOf(6, VARINT);

function decodeTimeSeries(r: ProtoReader, end: number, out: DecodedWriteRequest, refs: SymbolRefs): void {
  const i = out.beginSeries();
  refs.ensureSeries(i);
  refs.seriesStart[i] = refs.seriesRefCount;
  refs.hasMetadata[i] = 0;
  refs.metadataType[i] = 0;
  refs.helpRef[i] = 0;
  refs.unitRef[i] = 0;
  let createdTimestamp = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case T_SAMPLES: decodeSample(r, r.bytesEnd(end), out); break;
      case T_LABELS_REFS_PACKED: {
        const e = r.bytesEnd(end);
        while (r.pos < e) refs.pushSeriesRef(r.uint32(e));
        break;
      }
      case T_LABELS_REFS: refs.pushSeriesRef(r.uint32(end)); break;
      case T_HISTOGRAMS: out.addHistogram(decodeHistogram(r, r.bytesEnd(end), true)); break;
      case T_EXEMPLARS: decodeExemplar(r, r.bytesEnd(end), out, refs); break;
      case T_METADATA: decodeMetadata(r, r.bytesEnd(end), i, refs); break;
      case T_CREATED_TIMESTAMP: createdTimestamp = r.int64(end); break;
      default: skipField(r, tag, end, 'TimeSeries', TIME_SERIES_FIELDS);
    }
  }
  out.createdTimestamps[i] = createdTimestamp;
  out.endSeries();
  refs.seriesStart[i + 1] = refs.seriesRefCount;
}

const SAMPLE_FIELDS = ['', 'value', 'timestamp', 'start_timestamp'];
const S_VALUE = tagOf(1, I64);
const S_TIMESTAMP = tagOf(2, VARINT);
const S_START_TIMESTAMP = tagOf(3, VARINT);

function decodeSample(r: ProtoReader, end: number, out: DecodedWriteRequest): void {
  const i = out.addSample();
  let timestamp = 0;
  let startTimestamp = 0;
  let hasValue = false;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === S_VALUE) {
      r.copyDouble(end, out.valueBytes, i * 8);
      hasValue = true;
    } else if (tag === S_TIMESTAMP) {
      timestamp = r.int64(end);
    } else if (tag === S_START_TIMESTAMP) {
      startTimestamp = r.int64(end);
    } else {
      skipField(r, tag, end, 'Sample', SAMPLE_FIELDS);
    }
  }
  if (!hasValue) out.values[i] = 0;
  out.timestamps[i] = timestamp;
  out.startTimestamps[i] = startTimestamp;
}

const EXEMPLAR_FIELDS = ['', 'labels_refs', 'value', 'timestamp'];
const E_LABELS_REFS = tagOf(1, VARINT);
const E_LABELS_REFS_PACKED = tagOf(1, LEN);
const E_VALUE = tagOf(2, I64);
const E_TIMESTAMP = tagOf(3, VARINT);

function decodeExemplar(r: ProtoReader, end: number, out: DecodedWriteRequest, refs: SymbolRefs): void {
  const k = out.exemplarCount;
  refs.ensureExemplars(k);
  let value = 0;
  let ts = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === E_LABELS_REFS_PACKED) {
      const e = r.bytesEnd(end);
      while (r.pos < e) refs.pushExemplarRef(r.uint32(e));
    } else if (tag === E_LABELS_REFS) {
      refs.pushExemplarRef(r.uint32(end));
    } else if (tag === E_VALUE) {
      value = r.double(end);
    } else if (tag === E_TIMESTAMP) {
      ts = r.int64(end);
    } else {
      skipField(r, tag, end, 'Exemplar', EXEMPLAR_FIELDS);
    }
  }
  refs.exemplarValues[k] = value;
  refs.exemplarTimestamps[k] = ts;
  refs.exemplarStart[k + 1] = refs.exemplarRefCount;
  // Labels are filled in by resolveSymbols(); the slot keeps the exemplar's place in its series.
  out.addExemplar(NO_EXEMPLAR);
}

const NO_EXEMPLAR: Exemplar = Object.freeze({ labels: [], value: 0, ts: 0, hasTs: false });

const METADATA_FIELDS = ['', 'type', '', 'help_ref', 'unit_ref'];
const M_TYPE = tagOf(1, VARINT);
const M_HELP_REF = tagOf(3, VARINT);
const M_UNIT_REF = tagOf(4, VARINT);

/** Reads one Metadata message; a repeated one merges field by field, as protobuf does. */
function decodeMetadata(r: ProtoReader, end: number, i: number, refs: SymbolRefs): void {
  refs.hasMetadata[i] = 1;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === M_TYPE) refs.metadataType[i] = r.int32(end);
    else if (tag === M_HELP_REF) refs.helpRef[i] = r.uint32(end);
    else if (tag === M_UNIT_REF) refs.unitRef[i] = r.uint32(end);
    else skipField(r, tag, end, 'Metadata', METADATA_FIELDS);
  }
}

/** Turns references into strings; a series with a bad reference gets an error and no labels. */
function resolveSymbols(out: DecodedWriteRequest, refs: SymbolRefs): void {
  const symbols = out.symbols;
  for (let i = 0; i < out.seriesCount; i++) {
    const error = refError(out, refs, i);
    if (error !== null) {
      out.setLabels(i, { labels: [], error: `parsing series ${i}: ${error}`, ref: 0 });
      out.seriesMetadata[i] = null;
      continue;
    }
    out.setLabels(i, seriesLabels(refs, symbols, refs.seriesStart[i]!, refs.seriesStart[i + 1]!));
    out.seriesMetadata[i] = refs.hasMetadata[i]
      ? { type: metricTypeOf(refs.metadataType[i]!), help: symbols[refs.helpRef[i]!]!, unit: symbols[refs.unitRef[i]!]! }
      : null;
    for (let k = out.exemplarStart[i]!; k < out.exemplarStart[i + 1]!; k++) {
      const ts = refs.exemplarTimestamps[k]!;
      out.exemplars[k] = {
        labels: labelPairs(symbols, refs.exemplarRefs, refs.exemplarStart[k]!, refs.exemplarStart[k + 1]!),
        value: refs.exemplarValues[k]!,
        ts,
        hasTs: ts !== 0,
      };
    }
  }
}

/** What makes series i unusable: a reference outside the symbols table or an odd number of label refs. */
function refError(out: DecodedWriteRequest, refs: SymbolRefs, i: number): string | null {
  const n = out.symbols.length;
  let error = checkRefs(refs.seriesRefs, refs.seriesStart[i]!, refs.seriesStart[i + 1]!, n, 'labels_refs');
  if (error === null && refs.hasMetadata[i]) {
    const help = refs.helpRef[i]!;
    const unit = refs.unitRef[i]!;
    if (help >= n) error = `metadata help_ref ${help} outside of symbols table (size ${n})`;
    else if (unit >= n) error = `metadata unit_ref ${unit} outside of symbols table (size ${n})`;
  }
  for (let k = out.exemplarStart[i]!; error === null && k < out.exemplarStart[i + 1]!; k++) {
    error = checkRefs(refs.exemplarRefs, refs.exemplarStart[k]!, refs.exemplarStart[k + 1]!, n, 'exemplar labels_refs');
  }
  return error;
}

/**
 * The normalized label set of the (checked) label refs `[start, end)`, from the cache when the
 * same strings were seen before; they are identified by the hashes of their symbols' bytes.
 */
function seriesLabels(refs: SymbolRefs, symbols: readonly string[], start: number, end: number): NormalizedLabels {
  const names = refs.names;
  const values = refs.values;
  const hashes = refs.symbolHashes;
  const seriesRefs = refs.seriesRefs;
  let pairs = 0;
  let hash = end - start;
  for (let k = start; k < end; k += 2, pairs++) {
    const name = seriesRefs[k]!;
    const value = seriesRefs[k + 1]!;
    names[pairs] = symbols[name]!;
    values[pairs] = symbols[value]!;
    hash = mixWord(mixWord(hash, hashes[name]!), hashes[value]!);
  }
  hash = fmix32(hash);
  let labels = refs.labelSets.get(hash, names, values, pairs);
  if (labels === undefined) {
    labels = normalizeLabels(names, values, pairs);
    refs.labelSets.set(hash, names, values, pairs, labels);
  }
  return labels;
}

function checkRefs(a: Uint32Array, start: number, end: number, n: number, what: string): string | null {
  if ((end - start) % 2 !== 0) return `invalid ${what} length ${end - start}`;
  for (let k = start; k < end; k += 2) {
    if (a[k]! >= n || a[k + 1]! >= n) {
      return `${what} ${a[k]} (name) = ${a[k + 1]} (value) outside of symbols table (size ${n})`;
    }
  }
  return null;
}

function labelPairs(symbols: readonly string[], a: Uint32Array, start: number, end: number): Label[] {
  const labels: Label[] = [];
  for (let k = start; k < end; k += 2) labels.push({ name: symbols[a[k]!]!, value: symbols[a[k + 1]!]! });
  return labels.sort((x, y) => compareStrings(x.name, y.name));
}
