// `promwasm tsdb create-blocks-from [<flags>] openmetrics <input file> [<output dir>]`: backfilling, as
// promtool 2.42's command of that name. Same flags (-r/--human-readable, -q/--quiet, the hidden
// --max-block-duration Go duration), same stdout (each new block as a row of `tsdb list`'s table, the
// header before the first), same error messages on stderr and exit code 1.
//
// promtool shows no progress; here a progress bar goes to stderr, and only when stderr is a terminal, so
// pipes and files see promtool's output exactly.

import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { Block } from '../tsdb/block/block.js';
import { backfillOpenMetrics, BackfillError, type BackfillProgress } from '../tsdb/backfill/index.js';
import { describeArgs, parseCommandArgs, UsageError, type ArgDef, type FlagDef } from './args.js';
import { EXIT_OK, writeText, type CliIO } from './command.js';
import { formatBlockTable } from './tsdb-list.js';
import { CommandError, DEFAULT_DB_PATH } from './tsdb-open.js';

const FLAGS: readonly FlagDef[] = [
  { name: 'human-readable', short: 'r', kind: 'bool', help: 'Print human readable values.' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Do not print created blocks.' },
];
const HIDDEN_FLAGS: readonly FlagDef[] = [
  { name: 'max-block-duration', kind: 'string', help: 'Maximum duration created blocks may span. Anything less than 2h is ignored.' },
];
const ARGS: readonly ArgDef[] = [
  { name: 'input file', help: 'OpenMetrics file to read samples from.' },
  // Default DEFAULT_DB_PATH, applied after parsing: a default here would stand in for a missing input file.
  { name: 'output directory', help: `Output directory for generated blocks (default is ${DEFAULT_DB_PATH}).` },
];

export const CREATE_BLOCKS_USAGE =
  'usage: promwasm tsdb create-blocks-from [<flags>] openmetrics <input file> [<output directory>]\n\n' +
  'Import samples from OpenMetrics input and produce TSDB blocks.\n\n' +
  describeArgs(FLAGS, ARGS);

export async function runTsdbCreateBlocks(argv: readonly string[], io: CliIO): Promise<number> {
  // The format word comes first among the positional arguments; flags may sit before or after it.
  const parsed = parseCommandArgs(argv, [...FLAGS, ...HIDDEN_FLAGS], [{ name: 'format', help: '' }, ...ARGS]);
  if (parsed.help) {
    await writeText(io.stdout, CREATE_BLOCKS_USAGE);
    return EXIT_OK;
  }
  const [format, inputPath, outputDir = DEFAULT_DB_PATH] = parsed.args;
  if (format === undefined) throw new UsageError("must select a subcommand of 'tsdb create-blocks-from'");
  if (format === 'rules') throw new CommandError('create-blocks-from rules: backfilling recording rules is not supported by promwasm');
  if (format !== 'openmetrics') throw new UsageError(`expected command but got "${format}"`);
  if (inputPath === undefined) throw new UsageError("required argument 'input file' not provided");
  const humanReadable = parsed.flags.get('human-readable') === true;
  const quiet = parsed.flags.get('quiet') === true;
  const maxBlockDurationFlag = parsed.flags.get('max-block-duration');
  const maxBlockDuration = typeof maxBlockDurationFlag === 'string' ? goDurationMs(maxBlockDurationFlag) : 0;

  const input = await readInput(inputPath);
  await mkdir(outputDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    // Go's MkdirAll reports a non-directory in the way as ENOTDIR; Node as EEXIST.
    const text = e.code === 'EEXIST' ? 'not a directory' : errnoText(e);
    throw new CommandError(`create output dir: mkdir ${e.path ?? outputDir}: ${text}`);
  });

  const progress = isTerminal(io.stderr) ? new ProgressBar(io.stderr) : undefined;
  let wroteHeader = false;
  try {
    await backfillOpenMetrics(input, outputDir, {
      maxBlockDuration,
      onProgress: progress && ((p) => progress.update(p)),
      async onBlock(meta) {
        if (quiet) return;
        const block = await Block.open(join(outputDir, meta.ulid));
        try {
          progress?.clear();
          await writeText(io.stdout, formatBlockTable([block], humanReadable, !wroteHeader));
          wroteHeader = true;
        } finally {
          await block.close();
        }
      },
    });
  } catch (e) {
    if (e instanceof BackfillError) throw new CommandError(e.message);
    throw e;
  } finally {
    progress?.clear();
  }
  return EXIT_OK;
}

/** The input file, or promtool's message for why it cannot be memory-mapped. */
async function readInput(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    const st = await stat(path);
    // mmap refuses what is not a regular file's data: an empty file and a directory, with these errnos.
    if (st.isDirectory()) throw new CommandError(`mmap, size ${st.size}: no such device`);
    size = st.size;
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`try lock file: open ${path}: ${errnoText(e as NodeJS.ErrnoException)}`);
  }
  if (size === 0) throw new CommandError('mmap, size 0: invalid argument');
  try {
    return await readFile(path);
  } catch (e) {
    throw new CommandError(`try lock file: open ${path}: ${errnoText(e as NodeJS.ErrnoException)}`);
  }
}

/** Go's text for the errnos file operations here meet; Node's message otherwise. */
function errnoText(e: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
  };
  return (e.code && texts[e.code]) ?? e.message;
}

// --- Go's time.ParseDuration, which kingpin's Duration flags use ------------------------------------------

const NS_PER_UNIT: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const INT64_MAX = (1n << 63n) - 1n;

/** A Go duration string as whole milliseconds (Go's Duration / time.Millisecond, truncated toward zero). */
export function goDurationMs(text: string): number {
  return Number(parseGoDuration(text) / 1_000_000n);
}

/** time.ParseDuration: `[-+]` then one or more `<decimal><unit>`, or "0"; the nanoseconds as a BigInt. */
export function parseGoDuration(text: string): bigint {
  const invalid = (): UsageError => new UsageError(`time: invalid duration ${goQuoteString(text)}`);
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const [whole, intDigits, fracDigits] = [m[0], m[1]!, m[2]];
    if (intDigits === '' && !fracDigits) throw invalid(); // no digits at all ("." alone included)
    s = s.slice(whole.length);
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === '') throw new UsageError(`time: missing unit in duration ${goQuoteString(text)}`);
    const unit = NS_PER_UNIT[unitText];
    if (unit === undefined) throw new UsageError(`time: unknown unit ${goQuoteString(unitText)} in duration ${goQuoteString(text)}`);
    s = s.slice(unitText.length);
    const v = BigInt(intDigits || '0');
    if (v > INT64_MAX / unit) throw invalid();
    let ns = v * unit;
    if (fracDigits) ns += fractionNs(fracDigits, unit);
    total += ns;
    if (total > INT64_MAX + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

/** Go adds int64(float64(f) * (float64(unit) / scale)), keeping fraction digits while f fits an int64. */
function fractionNs(digits: string, unit: bigint): bigint {
  let f = 0n;
  let scale = 1;
  for (const d of digits) {
    if (f > (INT64_MAX - 9n) / 10n) break;
    f = f * 10n + BigInt(d);
    scale *= 10;
  }
  return BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
}

function goQuoteString(s: string): string {
  return JSON.stringify(s);
}

// --- progress --------------------------------------------------------------------------------------------

function isTerminal(stream: Writable): boolean {
  return (stream as Writable & { isTTY?: boolean }).isTTY === true;
}

/** One line on a terminal, redrawn at most ten times a second: pass, bar, percentage, samples and rate. */
class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();
  private shown = false;

  constructor(private readonly out: Writable) {}

  update(p: BackfillProgress): void {
    const now = Date.now();
    if (now - this.lastDraw < 100 && p.offset < p.total) return;
    this.lastDraw = now;
    const fraction = p.total === 0 ? 1 : p.offset / p.total;
    const width = 30;
    const filled = Math.round(fraction * width);
    const label = p.pass === 0 ? 'scanning time range' : `window ${p.pass}/${p.windows}`;
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = p.samples / seconds;
    this.out.write(
      `\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%` +
        `  ${p.samples.toLocaleString('en-US')} samples  ${Math.round(rate).toLocaleString('en-US')} samples/s`,
    );
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
