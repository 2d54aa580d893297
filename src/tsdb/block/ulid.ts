// ULIDs as block directory names: 26 characters of Crockford base32 (case-insensitive, no I L O U),
// the first at most '7' so the 130 bits fit 128 (oklog/ulid's ParseStrict, which Prometheus uses to
// decide which directories are blocks).

const CROCKFORD = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;

/** Whether `name` parses as a ULID under oklog/ulid's ParseStrict. */
export function isUlid(name: string): boolean {
  return CROCKFORD.test(name);
}

/** The ULID's 48-bit timestamp (ms since the epoch): when the block was written, not its data time. */
export function ulidTime(ulid: string): number {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const c of ulid.slice(0, 10).toUpperCase()) t = t * 32 + alphabet.indexOf(c);
  return t;
}
