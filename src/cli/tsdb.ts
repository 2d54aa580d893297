// `promwasm tsdb <subcommand>`: tooling for a data directory, as promtool's `tsdb` commands.

import { UsageError } from './args.js';
import { EXIT_OK, writeText, type CliIO, type Command } from './command.js';

// Each subcommand's code is loaded when it runs, so that one does not pay for loading the others.
const SUBCOMMANDS: ReadonlyArray<{ name: string; summary: string; run: (argv: readonly string[], io: CliIO) => Promise<number> }> = [
  { name: 'list', summary: 'List tsdb blocks.', run: async (argv, io) => (await import('./tsdb-list.js')).runTsdbList(argv, io) },
  { name: 'dump', summary: 'Dump samples from a TSDB.', run: async (argv, io) => (await import('./tsdb-dump.js')).runTsdbDump(argv, io) },
  {
    name: 'create-blocks-from',
    summary: 'Import samples from input and produce TSDB blocks.',
    run: async (argv, io) => (await import('./tsdb-create-blocks.js')).runTsdbCreateBlocks(argv, io),
  },
];

const USAGE =
  'usage: promwasm tsdb <command> [<args> ...]\n\nRun tsdb commands.\n\nCommands:\n' +
  SUBCOMMANDS.map((c) => `  tsdb ${c.name}\n      ${c.summary}\n`).join('');

export const tsdbCommand: Command = {
  name: 'tsdb',
  summary: 'Run tsdb commands.',
  async run(argv, io) {
    const [word, ...rest] = argv;
    if (word === undefined) throw new UsageError("must select a subcommand of 'tsdb'");
    if (word === '--help' || word === '-h' || word === 'help') {
      await writeText(io.stdout, USAGE);
      return EXIT_OK;
    }
    const sub = SUBCOMMANDS.find((c) => c.name === word);
    if (!sub) throw new UsageError(word.startsWith('-') ? `unknown long flag '${word}'` : `expected command but got "${word}"`);
    return sub.run(rest, io);
  },
};
