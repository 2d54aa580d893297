// Sentinel storage errors, with Prometheus's messages (the remote-write handler
// and the scrape loop classify them by code, and HTTP answers carry the message).

export type StorageErrorCode =
  | 'OUT_OF_ORDER_SAMPLE'
  | 'DUPLICATE_SAMPLE_FOR_TIMESTAMP'
  | 'OUT_OF_BOUNDS'
  | 'TOO_OLD_SAMPLE'
  | 'INVALID_LABELS'
  | 'INVALID_SAMPLE'
  | 'OUT_OF_ORDER_EXEMPLAR'
  | 'DUPLICATE_EXEMPLAR'
  | 'EXEMPLAR_LABELS_TOO_LONG'
  | 'SAMPLE_LIMIT'
  | 'NATIVE_HISTOGRAMS_DISABLED'
  | 'STORAGE_CLOSED';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  /** For appendSamples: how many samples of the batch were taken before this one failed. */
  appended = 0;
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Errors that are the client's fault: the remote-write handler answers 400 for these. */
  get isBadData(): boolean {
    return (
      this.code === 'OUT_OF_ORDER_SAMPLE' ||
      this.code === 'DUPLICATE_SAMPLE_FOR_TIMESTAMP' ||
      this.code === 'OUT_OF_BOUNDS' ||
      this.code === 'TOO_OLD_SAMPLE' ||
      this.code === 'INVALID_LABELS' ||
      this.code === 'INVALID_SAMPLE'
    );
  }
}

export const errOutOfOrderSample = (): StorageError => new StorageError('OUT_OF_ORDER_SAMPLE', 'out of order sample');
export const errDuplicateSample = (): StorageError =>
  new StorageError('DUPLICATE_SAMPLE_FOR_TIMESTAMP', 'duplicate sample for timestamp');
export const errOutOfBounds = (): StorageError => new StorageError('OUT_OF_BOUNDS', 'out of bounds');
export const errTooOldSample = (): StorageError => new StorageError('TOO_OLD_SAMPLE', 'too old sample');
export const errOutOfOrderExemplar = (): StorageError => new StorageError('OUT_OF_ORDER_EXEMPLAR', 'out of order exemplar');
export const errDuplicateExemplar = (): StorageError => new StorageError('DUPLICATE_EXEMPLAR', 'duplicate exemplar');
export const errInvalidLabels = (detail: string): StorageError => new StorageError('INVALID_LABELS', detail);
