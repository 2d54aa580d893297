// Which message a remote-write request holds, from its Content-Type, and whether its
// Content-Encoding can be read. Following Prometheus 2.54+ (storage/remote/write_handler.go),
// made lenient where a strict reading only loses data:
//   - no Content-Type: the 1.0 message, as every version of Prometheus assumes;
//   - the media type must be application/x-protobuf (compared case-insensitively, as RFC 9110
//     says media types are), else 415;
//   - parameters are found with or without spaces after ';' (2.54 misses `; proto=...` and
//     then decodes a 2.0 body as an empty 1.0 request, answering 204 and storing nothing);
//     parameters other than `proto` are ignored; an unknown `proto` value is 415;
//   - Content-Encoding empty (senders of 1.0 may omit it) or snappy, else 415.

import { RemoteWriteError } from './errors.js';
import type { RemoteWriteVersion } from './decoder.js';

export const MEDIA_TYPE = 'application/x-protobuf';
export const PROTO_V1 = 'prometheus.WriteRequest';
export const PROTO_V2 = 'io.prometheus.write.v2.Request';

/** The remote-write version a Content-Type header asks for; throws a 415 RemoteWriteError. */
export function versionOfContentType(contentType: string | undefined): RemoteWriteVersion {
  if (contentType === undefined || contentType.trim() === '') return 1;
  const parts = contentType.split(';');
  if (parts[0]!.trim().toLowerCase() !== MEDIA_TYPE) {
    throw new RemoteWriteError(
      'UNSUPPORTED_MEDIA_TYPE',
      `expected ${MEDIA_TYPE} as the first (media) part, got ${contentType} content-type`,
    );
  }
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i]!.indexOf('=');
    if (eq < 0 || parts[i]!.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
    let value = parts[i]!.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value === PROTO_V1) return 1;
    if (value === PROTO_V2) return 2;
    throw new RemoteWriteError(
      'UNSUPPORTED_MEDIA_TYPE',
      `got ${contentType} content type; unknown remote write protobuf message ${value}, supported: ${PROTO_V1}, ${PROTO_V2}`,
    );
  }
  return 1;
}

/** Accepts an empty or snappy Content-Encoding; throws a 415 RemoteWriteError otherwise. */
export function checkContentEncoding(contentEncoding: string | undefined): void {
  if (contentEncoding === undefined) return;
  const enc = contentEncoding.trim().toLowerCase();
  if (enc === '' || enc === 'snappy') return;
  throw new RemoteWriteError(
    'UNSUPPORTED_ENCODING',
    `${contentEncoding} encoding (compression) is not accepted by this server; only snappy is acceptable`,
  );
}
