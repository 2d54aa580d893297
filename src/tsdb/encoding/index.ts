export { crc32c } from './crc32c.js';
export { Decbuf } from './decbuf.js';
export { Encbuf } from './encbuf.js';
export { CorruptionError } from './errors.js';
