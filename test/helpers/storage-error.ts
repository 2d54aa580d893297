import { StorageError } from '../../src/storage/errors.js';

/** The StorageError code `fn` throws, or undefined when it does not throw; other errors propagate. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof StorageError) return e.code;
    throw e;
  }
  return undefined;
}
