// The entry point of remote-write decoding: decompressed body in, columnar request out.

import { DecodedWriteRequest } from './decoded-request.js';
import { decodeWriteRequestV1, V1State } from './decode-v1.js';
import { decodeWriteRequestV2, SymbolRefs } from './decode-v2.js';
import { ProtoReader } from './proto-reader.js';

/** Which protobuf message a body holds: 1 = prometheus.WriteRequest, 2 = io.prometheus.write.v2.Request. */
export type RemoteWriteVersion = 1 | 2;

/**
 * Decodes remote-write bodies. Decoding is synchronous, so one decoder (its cursor, string
 * table, label-set cache and scratch) serves every request of a process; each request in
 * flight needs its own DecodedWriteRequest, which the caller may reuse once it is done with it.
 */
export class WriteRequestDecoder {
  private readonly reader = new ProtoReader();
  private readonly v1 = new V1State();
  private readonly refs = new SymbolRefs();

  /** Decodes `body` into `out` (which is reset first) and returns it. Throws ProtoDecodeError. */
  decode(version: RemoteWriteVersion, body: Uint8Array, out: DecodedWriteRequest = new DecodedWriteRequest()): DecodedWriteRequest {
    if (version === 1) decodeWriteRequestV1(this.reader, body, out, this.v1);
    else decodeWriteRequestV2(this.reader, body, out, this.refs);
    return out;
  }
}
