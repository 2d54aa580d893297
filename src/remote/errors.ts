// Errors of the remote-write edge. Each carries the HTTP status it is answered with;
// the message is what the sender logs verbatim.

/** A malformed protobuf body: where it went wrong, in bytes from the start of the decoded body. */
export class ProtoDecodeError extends Error {
  override readonly name = 'ProtoDecodeError';
  constructor(
    readonly detail: string,
    readonly offset: number,
  ) {
    super(`${detail} at offset ${offset}`);
  }
}

/** Why a request was refused before it reached storage. */
export type RemoteWriteErrorCode =
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_ENCODING'
  | 'SNAPPY_CORRUPT'
  | 'DECODED_TOO_LARGE'
  | 'DECODE';

const STATUS: Record<RemoteWriteErrorCode, number> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_ENCODING: 415,
  SNAPPY_CORRUPT: 400,
  DECODED_TOO_LARGE: 400,
  DECODE: 400,
};

/**
 * An error answered to the sender with `status` and `message` as a plain-text body. (What
 * storage refuses is answered from the ingest result instead; a body over the size limit is
 * refused by fastify's body reader, 413.)
 */
export class RemoteWriteError extends Error {
  override readonly name = 'RemoteWriteError';
  readonly status: number;
  constructor(
    readonly code: RemoteWriteErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
