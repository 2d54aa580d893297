// `promwasm tsdb list [-r] [<db path>]`: the blocks of a data directory as promtool 2.42 prints them,
// through Go's tabwriter (min width 13, padding 2). Times are whole UTC seconds (-r) or milliseconds;
// DURATION is Go's Duration of maxTime - minTime; SIZE is meta.json + index + chunks + tombstones bytes
// (Base2Bytes with -r), so it depends on the file sizes, which are the same on every filesystem.

import { formatBase2Bytes, formatGoDurationMs, formatGoUnixSecondsUTC, tabwriterFormat } from '../format/index.js';
import type { Block } from '../tsdb/block/block.js';
import { describeArgs, parseCommandArgs, type ArgDef, type FlagDef } from './args.js';
import { EXIT_OK, writeText, type CliIO } from './command.js';
import { DEFAULT_DB_PATH, openDB } from './tsdb-open.js';

const FLAGS: readonly FlagDef[] = [{ name: 'human-readable', short: 'r', kind: 'bool', help: 'Print human readable values.' }];
const ARGS: readonly ArgDef[] = [{ name: 'db path', help: `Database path (default is ${DEFAULT_DB_PATH}).`, default: DEFAULT_DB_PATH }];

export const LIST_USAGE = `usage: promwasm tsdb list [<flags>] [<db path>]\n\nList tsdb blocks.\n\n${describeArgs(FLAGS, ARGS)}`;

export async function runTsdbList(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(argv, FLAGS, ARGS);
  if (parsed.help) {
    await writeText(io.stdout, LIST_USAGE);
    return EXIT_OK;
  }
  const humanReadable = parsed.flags.get('human-readable') === true;
  const db = await openDB(parsed.args[0]!);
  try {
    await writeText(io.stdout, formatBlockTable(db.blocks, humanReadable));
  } finally {
    await db.close();
  }
  return EXIT_OK;
}

/** The table promtool's printBlocks writes (aligned on its own: a header left out does not count for the widths). */
export function formatBlockTable(blocks: readonly Block[], humanReadable: boolean, header = true): string {
  const time = (ms: number): string => (humanReadable ? formatGoUnixSecondsUTC(ms) : String(ms));
  let text = header ? 'BLOCK ULID\tMIN TIME\tMAX TIME\tDURATION\tNUM SAMPLES\tNUM CHUNKS\tNUM SERIES\tSIZE\n' : '';
  for (const b of blocks) {
    const m = b.meta;
    const size = humanReadable ? formatBase2Bytes(b.size) : String(b.size);
    text += [
      m.ulid,
      time(m.minTime),
      time(m.maxTime),
      formatGoDurationMs(BigInt(m.maxTime) - BigInt(m.minTime)),
      m.stats.numSamples,
      m.stats.numChunks,
      m.stats.numSeries,
      size,
    ].join('\t') + '\n';
  }
  return tabwriterFormat(text, { minWidth: 13, padding: 2 });
}
