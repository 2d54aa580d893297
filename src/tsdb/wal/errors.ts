import { CorruptionError } from '../encoding/errors.js';
import { segmentPath } from './segment.js';

/**
 * Corruption found while reading a WAL (Go's wlog.CorruptionErr): which segment of which
 * directory, and the byte offset in that segment the reader had reached when it failed (for a
 * record that does not decode: the offset just past the record). Everything read before it is
 * intact; repair keeps exactly the records that end before `offset`.
 */
export class WalCorruptionError extends CorruptionError {
  override readonly name: string = 'WalCorruptionError';
  declare readonly offset: number;

  constructor(
    readonly dir: string,
    readonly segment: number,
    offset: number,
    readonly reason: string,
  ) {
    super(reason, segmentPath(dir, segment), offset);
  }
}
