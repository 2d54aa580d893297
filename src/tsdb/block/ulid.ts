// ULIDs as block directory names: 26 characters of Crockford base32 (case-insensitive, no I L O U),
// the first at most '7' so the 130 bits fit 128 (oklog/ulid's ParseStrict, which Prometheus uses to
// decide which directories are blocks). 48 bits of milliseconds, then 80 random bits.

import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CROCKFORD = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const MAX_TIME = 2 ** 48 - 1;

/** Whether `name` parses as a ULID under oklog/ulid's ParseStrict. */
export function isUlid(name: string): boolean {
  return CROCKFORD.test(name);
}

/** The ULID's 48-bit timestamp (ms since the epoch): when the block was written, not its data time. */
export function ulidTime(ulid: string): number {
  let t = 0;
  for (const c of ulid.slice(0, 10).toUpperCase()) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}

/**
 * A new ULID in upper case, as Prometheus makes one for every block it writes (ulid.MustNew(ulid.Now(),
 * crypto/rand)): `time` in ms since the epoch, then 10 bytes of entropy (cryptographically random unless
 * given).
 */
export function newUlid(time: number = Date.now(), entropy: Uint8Array = randomBytes(10)): string {
  if (!Number.isInteger(time) || time < 0 || time > MAX_TIME) throw new RangeError(`ULID time ${time} is not a 48-bit millisecond count`);
  if (entropy.length !== 10) throw new RangeError(`ULID entropy must be 10 bytes, got ${entropy.length}`);
  let value = BigInt(time);
  for (const b of entropy) value = (value << 8n) | BigInt(b);
  let out = '';
  for (let shift = 125n; shift >= 0n; shift -= 5n) out += ALPHABET[Number((value >> shift) & 31n)];
  return out;
}
