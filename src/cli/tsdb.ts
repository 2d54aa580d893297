// `promwasm tsdb <subcommand>`: tooling for a data directory, as promtool's `tsdb` commands.

import { UsageError } from './args.js';
import { EXIT_OK, writeText, type CliIO, type Command } from './command.js';
import { runTsdbCreateBlocks } from './tsdb-create-blocks.js';
import { runTsdbDump } from './tsdb-dump.js';
import { runTsdbList } from './tsdb-list.js';

const SUBCOMMANDS: ReadonlyArray<{ name: string; summary: string; run: (argv: readonly string[], io: CliIO) => Promise<number> }> = [
  { name: 'list', summary: 'List tsdb blocks.', run: runTsdbList },
  { name: 'dump', summary: 'Dump samples from a TSDB.', run: runTsdbDump },
  { name: 'create-blocks-from', summary: 'Import samples from input and produce TSDB blocks.', run: runTsdbCreateBlocks },
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
