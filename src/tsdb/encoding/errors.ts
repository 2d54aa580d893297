/**
 * A format error that says where it happened: which file and at which byte offset.
 * Every reader of an on-disk or wire format throws this (or a subclass) on bad input.
 */
export class CorruptionError extends Error {
  override readonly name: string = 'CorruptionError';
  constructor(
    message: string,
    readonly file?: string,
    readonly offset?: number,
  ) {
    super(CorruptionError.describe(message, file, offset));
  }

  private static describe(message: string, file?: string, offset?: number): string {
    const where = [file, offset !== undefined ? `offset ${offset}` : undefined].filter(Boolean).join(' at ');
    return where ? `${where}: ${message}` : message;
  }
}
