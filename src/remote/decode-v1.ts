// Remote write 1.0: `prometheus.WriteRequest` walked by hand over the decompressed body
// (field numbers in src/remote/proto/types.proto and remote.proto).

import { compareStrings, type Label } from '../model/labels.js';
import type { Exemplar } from '../storage/interface.js';
import { decodeHistogram, skipField } from './decode-common.js';
import { metricTypeOf, type DecodedWriteRequest, type MetricFamilyMetadata } from './decoded-request.js';
import { LabelSetCache } from './label-cache.js';
import {
  ProtoReader,
  tagOf,
  WIRE_BYTES as LEN,
  WIRE_FIXED64 as I64,
  WIRE_VARINT as VARINT,
} from './proto-reader.js';
import { normalizeLabels, type NormalizedLabels } from './series-labels.js';

/** Scratch for a series' label pairs, in wire order. */
interface LabelScratch {
  names: string[];
  values: string[];
}

/** What the 1.0 walk keeps between requests: the label-set cache and scratch for label pairs. */
export class V1State implements LabelScratch {
  readonly labelSets = new LabelSetCache();
  names: string[] = [];
  values: string[] = [];
}

const WRITE_REQUEST_FIELDS = ['', 'timeseries', '', 'metadata'];
const W_TIMESERIES = tagOf(1, LEN);
const W_METADATA = tagOf(3, LEN);

/** Decodes a 1.0 WriteRequest into `out` (reset first). Throws ProtoDecodeError. */
export function decodeWriteRequestV1(r: ProtoReader, body: Uint8Array, out: DecodedWriteRequest, state: V1State): void {
  r.reset(body);
  out.reset(1, body);
  const end = body.length;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === W_TIMESERIES) decodeTimeSeries(r, r.bytesEnd(end), out, state);
    else if (tag === W_METADATA) out.metadata.push(decodeMetricMetadata(r, r.bytesEnd(end)));
    else skipField(r, tag, end, 'WriteRequest', WRITE_REQUEST_FIELDS);
  }
}

const TIME_SERIES_FIELDS = ['', 'labels', 'samples', 'exemplars', 'histograms'];
const T_LABELS = tagOf(1, LEN);
const T_SAMPLES = tagOf(2, LEN);
const T_EXEMPLARS = tagOf(3, LEN);
const T_HISTOGRAMS = tagOf(4, LEN);

/**
 * A TimeSeries usually opens with all its Label fields. That run of bytes is looked up in the
 * label-set cache first; on a hit the labels are not decoded at all. Labels outside the run
 * (legal, if unusual) are decoded one by one and such a set is not cached.
 */
function decodeTimeSeries(r: ProtoReader, end: number, out: DecodedWriteRequest, state: V1State): void {
  const i = out.beginSeries();
  const cache = state.labelSets;
  const runStart = r.pos;
  const runEnd = labelRunEnd(r.buf, runStart, end);
  let hash = 0;
  let cached: NormalizedLabels | undefined;
  if (runEnd > runStart) {
    hash = cache.hash(r.buf, r.view, runStart, runEnd);
    cached = cache.get(r.buf, r.view, runStart, runEnd, hash);
    if (cached !== undefined) r.pos = runEnd;
  }
  let n = 0;
  let onlyRun = true;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.tag(end);
    switch (tag) {
      case T_SAMPLES: decodeSample(r, r.bytesEnd(end), out); break;
      case T_LABELS:
        if (at >= runEnd) {
          onlyRun = false;
          if (cached !== undefined) {
            n = decodeRun(r, runStart, runEnd, state);
            cached = undefined;
          }
        }
        decodeLabel(r, r.bytesEnd(end), state, n++);
        break;
      case T_EXEMPLARS: out.addExemplar(decodeExemplar(r, r.bytesEnd(end))); break;
      case T_HISTOGRAMS: out.addHistogram(decodeHistogram(r, r.bytesEnd(end), false)); break;
      default: skipField(r, tag, end, 'TimeSeries', TIME_SERIES_FIELDS);
    }
  }
  const keyed = onlyRun && runEnd > runStart;
  if (cached === undefined) {
    cached = normalizeLabels(state.names, state.values, n);
    if (keyed) cache.set(r.buf, runStart, runEnd, hash, cached);
  }
  if (keyed) out.setLabels(i, cached, runStart, runEnd);
  else out.setLabels(i, cached);
  out.endSeries();
}

/** Reader and scratch for labelsOfRun: decoding is synchronous, so one pair serves every call. */
const rerun = { reader: new ProtoReader(), scratch: { names: [], values: [] } as LabelScratch };

/**
 * The labels of series i decoded again from its run of Label fields in the request body: for a
 * cached label set that released its labels (see NormalizedLabels.labels). The run was framed
 * when the request was decoded.
 */
export function labelsOfRun(req: DecodedWriteRequest, i: number): NormalizedLabels {
  const { reader, scratch } = rerun;
  reader.reset(req.body);
  const n = decodeRun(reader, req.labelRunStart[i]!, req.labelRunEnd[i]!, scratch);
  return normalizeLabels(scratch.names, scratch.values, n);
}

/**
 * Where the run of Label fields (tag 0x0a) starting at `p` ends. Only lengths are read, so
 * the scan stops at the first field it cannot frame; the walk then reports what is wrong.
 */
function labelRunEnd(buf: Uint8Array, p: number, end: number): number {
  while (p < end && buf[p] === T_LABELS) {
    let q = p + 1;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      if (q >= end || shift > 21) return p;
      const b = buf[q++]!;
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    if (len > end - q) return p;
    p = q + len;
  }
  return p;
}

/** Decodes the labels of the run `[start, end)` into the scratch; returns how many. */
function decodeRun(r: ProtoReader, start: number, end: number, state: LabelScratch): number {
  const resume = r.pos;
  r.pos = start;
  let n = 0;
  while (r.pos < end) {
    r.tag(end);
    decodeLabel(r, r.bytesEnd(end), state, n++);
  }
  r.pos = resume;
  return n;
}

const SAMPLE_FIELDS = ['', 'value', 'timestamp'];
const S_VALUE = tagOf(1, I64);
const S_TIMESTAMP = tagOf(2, VARINT);

function decodeSample(r: ProtoReader, end: number, out: DecodedWriteRequest): void {
  const i = out.addSample();
  let timestamp = 0;
  let hasValue = false;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === S_VALUE) {
      r.copyDouble(end, out.valueBytes, i * 8);
      hasValue = true;
    } else if (tag === S_TIMESTAMP) {
      timestamp = r.int64(end);
    } else {
      skipField(r, tag, end, 'Sample', SAMPLE_FIELDS);
    }
  }
  if (!hasValue) out.values[i] = 0;
  out.timestamps[i] = timestamp;
  out.startTimestamps[i] = 0;
}

const LABEL_FIELDS = ['', 'name', 'value'];
const L_NAME = tagOf(1, LEN);
const L_VALUE = tagOf(2, LEN);

function decodeLabel(r: ProtoReader, end: number, state: LabelScratch, n: number): void {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === L_NAME) name = r.string(end, 'Label.name');
    else if (tag === L_VALUE) value = r.string(end, 'Label.value');
    else skipField(r, tag, end, 'Label', LABEL_FIELDS);
  }
  state.names[n] = name;
  state.values[n] = value;
}

/** An exemplar's label, as an object (exemplars are rare; series labels go to the flat arrays). */
function readLabel(r: ProtoReader, end: number): Label {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === L_NAME) name = r.string(end, 'Label.name');
    else if (tag === L_VALUE) value = r.string(end, 'Label.value');
    else skipField(r, tag, end, 'Label', LABEL_FIELDS);
  }
  return { name, value };
}

const EXEMPLAR_FIELDS = ['', 'labels', 'value', 'timestamp'];
const E_LABELS = tagOf(1, LEN);
const E_VALUE = tagOf(2, I64);
const E_TIMESTAMP = tagOf(3, VARINT);

function decodeExemplar(r: ProtoReader, end: number): Exemplar {
  const labels: Label[] = [];
  let value = 0;
  let ts = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === E_LABELS) labels.push(readLabel(r, r.bytesEnd(end)));
    else if (tag === E_VALUE) value = r.double(end);
    else if (tag === E_TIMESTAMP) ts = r.int64(end);
    else skipField(r, tag, end, 'Exemplar', EXEMPLAR_FIELDS);
  }
  labels.sort((a, b) => compareStrings(a.name, b.name));
  return { labels, value, ts, hasTs: ts !== 0 };
}

const METADATA_FIELDS = ['', 'type', 'metric_family_name', '', 'help', 'unit'];
const M_TYPE = tagOf(1, VARINT);
const M_FAMILY = tagOf(2, LEN);
const M_HELP = tagOf(4, LEN);
const M_UNIT = tagOf(5, LEN);

function decodeMetricMetadata(r: ProtoReader, end: number): MetricFamilyMetadata {
  let type = 0;
  let metricFamilyName = '';
  let help = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case M_TYPE: type = r.int32(end); break;
      case M_FAMILY: metricFamilyName = r.string(end, 'MetricMetadata.metric_family_name'); break;
      case M_HELP: help = r.string(end, 'MetricMetadata.help'); break;
      case M_UNIT: unit = r.string(end, 'MetricMetadata.unit'); break;
      default: skipField(r, tag, end, 'MetricMetadata', METADATA_FIELDS);
    }
  }
  return { type: metricTypeOf(type), metricFamilyName, help, unit };
}
