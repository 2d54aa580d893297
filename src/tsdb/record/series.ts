import type { MetricType } from '../../storage/interface.js';
import type { Encbuf } from '../encoding/encbuf.js';
import { RecordCursor } from './cursor.js';
import { putLabels, putRef, putUvarint } from './put.js';
import { METRIC_TYPES, RecordType, type RefMetadata, type RefSeries } from './types.js';

/** Appends a Series record: per series BE64 ref, then its labels. */
export function encodeSeries(buf: Encbuf, series: readonly RefSeries[]): void {
  buf.byte(RecordType.Series);
  for (const s of series) {
    putRef(buf, s.ref);
    putLabels(buf, s.labels);
  }
}

export function decodeSeries(rec: Uint8Array, out: RefSeries[] = []): RefSeries[] {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.Series) c.fail('invalid record type', 0);
  while (c.remaining > 0) {
    const ref = c.ref();
    out.push({ ref, labels: c.labels() });
  }
  return out;
}

const UNIT = 'UNIT';
const HELP = 'HELP';

/**
 * Appends a Metadata record: per series uvarint ref (not BE64), type byte, then exactly the two
 * fields Prometheus writes, UNIT and HELP, as name/value strings.
 */
export function encodeMetadata(buf: Encbuf, metadata: readonly RefMetadata[]): void {
  buf.byte(RecordType.Metadata);
  for (const { ref, meta } of metadata) {
    putUvarint(buf, ref);
    buf.byte(metricTypeByte(meta.type));
    putUvarint(buf, 2);
    buf.uvarintStr(UNIT);
    buf.uvarintStr(meta.unit);
    buf.uvarintStr(HELP);
    buf.uvarintStr(meta.help);
  }
}

/** Decodes a Metadata record; unknown field names are skipped, unknown type bytes read as 'unknown'. */
export function decodeMetadata(rec: Uint8Array, out: RefMetadata[] = []): RefMetadata[] {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.Metadata) c.fail('invalid record type', 0);
  while (c.remaining > 0) {
    const at = c.pos;
    const ref = c.uvarint();
    if (ref > Number.MAX_SAFE_INTEGER) c.fail('series ref exceeds 2^53', at);
    const type = METRIC_TYPES[c.byte()] ?? 'unknown';
    const fields = c.count(2);
    let unit = '';
    let help = '';
    for (let i = 0; i < fields; i++) {
      const name = c.string();
      const value = c.string();
      if (name === UNIT) unit = value;
      else if (name === HELP) help = value;
    }
    out.push({ ref, meta: { type, unit, help } });
  }
  return out;
}

function metricTypeByte(t: MetricType): number {
  const i = METRIC_TYPES.indexOf(t);
  return i < 0 ? 0 : i;
}
