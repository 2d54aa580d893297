// `promwasm tsdb dump [--min-time=T] [--max-time=T] [--match=SELECTOR] [<db path>]`: every sample of the
// selected series in [min-time, max-time], one line each, `{labels} value timestamp`, byte for byte as
// promtool 2.42's dumpSamples prints it (labels as labels.Labels.String(), value as %g, time in ms).

import { formatGoFloat, formatLabels } from '../format/index.js';
import { parseSeriesSelector } from '../model/matchers.js';
import { MAX_INT64, MIN_INT64 } from '../tsdb/encoding/int64.js';
import { describeArgs, parseCommandArgs, parseGoInt64, type ArgDef, type FlagDef } from './args.js';
import { EXIT_OK, writeText, type CliIO } from './command.js';
import { BrokenPipeError, BufferedOutput } from './output.js';
import { CommandError, DEFAULT_DB_PATH, openDB } from './tsdb-open.js';

export const DEFAULT_MATCH = "{__name__=~'(?s:.*)'}";

const FLAGS: readonly FlagDef[] = [
  { name: 'min-time', kind: 'string', help: 'Minimum timestamp to dump.', default: '-9223372036854775808', placeholder: 'MIN-TIME' },
  { name: 'max-time', kind: 'string', help: 'Maximum timestamp to dump.', default: '9223372036854775807', placeholder: 'MAX-TIME' },
  { name: 'match', kind: 'string', help: 'Series selector.', default: DEFAULT_MATCH, placeholder: 'MATCH' },
];
const ARGS: readonly ArgDef[] = [{ name: 'db path', help: `Database path (default is ${DEFAULT_DB_PATH}).`, default: DEFAULT_DB_PATH }];

export const DUMP_USAGE = `usage: promwasm tsdb dump [<flags>] [<db path>]\n\nDump samples from a TSDB.\n\n${describeArgs(FLAGS, ARGS)}`;

export async function runTsdbDump(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(argv, FLAGS, ARGS);
  if (parsed.help) {
    await writeText(io.stdout, DUMP_USAGE);
    return EXIT_OK;
  }
  const mint = int64Flag(parsed.flags.get('min-time') as string);
  const maxt = int64Flag(parsed.flags.get('max-time') as string);
  const db = await openDB(parsed.args[0]!, (m) => void io.stderr.write(`warning: ${m}\n`));
  const out = new BufferedOutput(io.stdout);
  try {
    let matchers;
    try {
      matchers = parseSeriesSelector(parsed.flags.get('match') as string);
    } catch (e) {
      throw new CommandError((e as Error).message);
    }
    for await (const series of db.select(matchers, mint, maxt)) {
      const prefix = formatLabels(series.labels) + ' ';
      for await (const batch of series.batches()) {
        const { timestamps, values, length } = batch;
        for (let i = 0; i < length; i++) out.write(prefix + formatGoFloat(values[i]!) + ' ' + timestamps[i]! + '\n');
        await out.flushIfFull();
      }
    }
    await out.close();
  } catch (e) {
    if (e instanceof BrokenPipeError) return EXIT_OK;
    // What was dumped before the failure is printed, as promtool prints line by line.
    await out.close().catch(() => undefined);
    throw e;
  } finally {
    await db.close();
  }
  return EXIT_OK;
}

/** An int64 flag value as a query bound (exact within ±2^53; the int64 extremes map to MIN/MAX_INT64). */
function int64Flag(text: string): number {
  const v = parseGoInt64(text);
  if (v === -(2n ** 63n)) return MIN_INT64;
  if (v === 2n ** 63n - 1n) return MAX_INT64;
  return Number(v);
}
