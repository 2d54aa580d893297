// `promwasm check metrics`: reads an exposition from stdin and checks it as `promtool check metrics` does:
// the text format must be readable by both a Prometheus 2.42 scrape and promtool's parser, then promlint's
// rules apply (one `<metric> <problem>` line per problem on stderr, exit code 3). Bodies whose last line
// is `# EOF` are OpenMetrics and get the strict OpenMetrics validation instead (no lint rules).
// Exit codes as promtool's: 0 fine, 1 unreadable input, 3 lint problems.

import type { Readable } from 'node:stream';
import { tabwriterFormat } from '../format/index.js';
import { cardinalities, lintFamilies } from '../textparse/lint.js';
import { validateOpenMetrics } from '../textparse/openmetrics-validator.js';
import { validateText } from '../textparse/text-validator.js';
import { UsageError, describeArgs, parseCommandArgs, type FlagDef } from './args.js';
import { EXIT_FAILURE, EXIT_OK, writeText, type CliIO, type Command } from './command.js';

/** Lint problems, as promtool's lintErrExitCode. */
export const EXIT_LINT = 3;

/** The command's streams; stdin defaults to the process's. */
export interface CheckIO extends CliIO {
  readonly stdin?: Readable;
}

const FLAGS: readonly FlagDef[] = [
  { name: 'extended', kind: 'bool', help: 'Print extended information related to the cardinality of the metrics (text format).' },
  { name: 'format', kind: 'string', help: 'Exposition format of the input: auto, text or openmetrics.', default: 'auto', placeholder: 'FORMAT' },
];

const METRICS_USAGE =
  'usage: promwasm check metrics [<flags>]\n\n' +
  'Pass Prometheus metrics over stdin to lint them for consistency and correctness.\n\n' +
  'examples:\n\n$ cat metrics.prom | promwasm check metrics\n\n$ curl -s http://localhost:9090/metrics | promwasm check metrics\n\n' +
  describeArgs(FLAGS, []);

const USAGE =
  'usage: promwasm check <command> [<args> ...]\n\nCheck the resources for validity.\n\nCommands:\n' +
  '  check config [<flags>] <config-files>...\n      Check if the config files are valid or not.\n' +
  '  check metrics\n      Pass Prometheus metrics over stdin to lint them.\n';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check the resources for validity.',
  async run(argv, io: CheckIO) {
    // promtool takes --extended on `check` itself; accept the flags on either side of `metrics`.
    const word = argv.find((a) => !a.startsWith('-'));
    if (word === undefined) {
      if (argv.includes('--help') || argv.includes('-h')) {
        await writeText(io.stdout, USAGE);
        return EXIT_OK;
      }
      throw new UsageError("must select a subcommand of 'check'");
    }
    const rest = argv.filter((a, i) => i !== argv.indexOf(word));
    if (word === 'config') return (await import('./check-config.js')).checkConfigCommand(rest, io);
    if (word !== 'metrics') throw new UsageError(`expected command but got "${word}"`);
    return runCheckMetrics(rest, io);
  },
};

export async function runCheckMetrics(argv: readonly string[], io: CheckIO): Promise<number> {
  const parsed = parseCommandArgs(argv, FLAGS, []);
  if (parsed.help) {
    await writeText(io.stdout, METRICS_USAGE);
    return EXIT_OK;
  }
  const format = parsed.flags.get('format') as string;
  if (!['auto', 'text', 'openmetrics'].includes(format)) throw new UsageError(`enum value must be one of auto,text,openmetrics, got '${format}'`);
  const extended = parsed.flags.get('extended') === true;
  const body = await readAll(io.stdin ?? process.stdin);
  const openMetrics = format === 'openmetrics' || (format === 'auto' && endsWithEof(body));
  if (openMetrics && extended) throw new UsageError('--extended is only available for the text format');

  try {
    if (openMetrics) {
      validateOpenMetrics(body);
      return EXIT_OK;
    }
    const families = validateText(body);
    const problems = lintFamilies(families);
    if (problems.length > 0) {
      await writeText(io.stderr, problems.map((p) => `${p.metric} ${p.text}\n`).join(''));
      return EXIT_LINT;
    }
    if (extended) await writeText(io.stdout, cardinalityTable(families));
    return EXIT_OK;
  } catch (e) {
    await writeText(io.stderr, `error while linting: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

function cardinalityTable(families: Parameters<typeof cardinalities>[0]): string {
  const rows = cardinalities(families);
  const total = rows.reduce((n, r) => n + r.cardinality, 0);
  let text = 'Metric\tCardinality\tPercentage\t\n';
  for (const r of rows) text += `${r.name}\t${r.cardinality}\t${((r.cardinality / total) * 100).toFixed(2)}%\t\n`;
  text += `Total\t${total}\t100%\t\n`;
  return tabwriterFormat(text, { minWidth: 4, padding: 4 });
}

/** Whether the last line (one final newline allowed) is `# EOF`. */
function endsWithEof(body: Uint8Array): boolean {
  let end = body.length;
  if (end > 0 && body[end - 1] === 0x0a) end--;
  const tail = Buffer.from(body.subarray(Math.max(0, end - 6), end)).toString('latin1');
  return tail === '\n# EOF' || (end === 5 && tail === '# EOF');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}
