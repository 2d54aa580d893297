import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A segment is a sequence of 32 KiB pages; a fragment never crosses a page boundary. */
export const PAGE_SIZE = 32 * 1024;
/** Fragment header: type byte, BE16 payload length, BE32 CRC-32C of the payload. */
export const HEADER_SIZE = 7;
/** Prometheus's DefaultSegmentSize (128 MiB). */
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

/** Fragment types (low 3 bits of the header byte). 0 means "the rest of the page is zero padding". */
export const FragmentType = { PageTerm: 0, Full: 1, First: 2, Middle: 3, Last: 4 } as const;
export type FragmentType = (typeof FragmentType)[keyof typeof FragmentType];
export const FRAGMENT_TYPE_MASK = 0x07;
/** Header bit 3: the record (every fragment of it) is snappy-compressed. */
export const SNAPPY_FLAG = 0x08;
/** Header bit 4: zstd-compressed (Prometheus 2.46+); recognised so the error says so. */
export const ZSTD_FLAG = 0x10;

/** A segment file found in `dir`; written segments are named %08d, readers accept any decimal name. */
export interface SegmentRef {
  readonly dir: string;
  readonly name: string;
  readonly index: number;
}

export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

export function segmentPath(dir: string, index: number): string {
  return join(dir, segmentName(index));
}

/**
 * The segments of a directory in index order (Go's listSegments): files whose whole name is a
 * decimal number; anything else (checkpoint dirs, `.repair`, `.tmp`) is ignored. Indices must be
 * contiguous.
 */
export function listSegments(dir: string): SegmentRef[] {
  const refs: SegmentRef[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^\d+$/.test(name)) continue;
    const index = Number(name);
    if (!Number.isSafeInteger(index)) continue;
    refs.push({ dir, name, index });
  }
  refs.sort((a, b) => a.index - b.index);
  for (let i = 1; i < refs.length; i++) {
    if (refs[i]!.index !== refs[i - 1]!.index + 1) {
      throw new Error(`${dir}: segments are not sequential (${refs[i - 1]!.index} then ${refs[i]!.index})`);
    }
  }
  return refs;
}

/** First and last segment index, or undefined when the directory holds none. */
export function segmentRange(dir: string): { first: number; last: number } | undefined {
  const refs = listSegments(dir);
  if (refs.length === 0) return undefined;
  return { first: refs[0]!.index, last: refs[refs.length - 1]!.index };
}
