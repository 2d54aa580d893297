// Opening a data directory for the tsdb subcommands, with promtool's message for a missing directory.

import { stat } from 'node:fs/promises';
import { ReadOnlyDB } from '../tsdb/block/db.js';
import { readOnlyHeadOpener } from '../tsdb/db.js';

export const DEFAULT_DB_PATH = 'data/';

/** An error the command reports as its message alone, then exits 1 (promtool's checkErr). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export async function openDB(dir: string, onWarning?: (message: string) => void): Promise<ReadOnlyDB> {
  try {
    await stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CommandError(`opening the db dir: stat ${dir}: ${reason}`);
  }
  const openHead = readOnlyHeadOpener(onWarning);
  return ReadOnlyDB.open(dir, onWarning ? { onWarning, openHead } : { openHead });
}
