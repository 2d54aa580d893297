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

export type RemoteWriteErrorCode =
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_ENCODING'
  | 'SNAPPY_CORRUPT'
  | 'DECODED_TOO_LARGE'
  | 'DECODE'
  | 'BAD_DATA'
  | 'INTERNAL';

const STATUS: Record<RemoteWriteErrorCode, number> = {
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_ENCODING: 415,
  SNAPPY_CORRUPT: 400,
  DECODED_TOO_LARGE: 400,
  DECODE: 400,
  BAD_DATA: 400,
  INTERNAL: 500,
};

/** An error answered to the sender with `status` and `message` as a plain-text body. */
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
