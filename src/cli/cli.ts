// The `promwasm` command: a table of subcommands and a dispatcher. `promwasm <command> ...` runs that
// command; anything else (no command, or flags first) goes to the default command when one is
// registered (the server, which owns its own flags), else to help. Errors become promtool-style exits:
// usage errors "promwasm: error: <message>, try --help" and exit 1, other failures their message and exit 1.

import { versionText } from '../server/version.js';
import { UsageError } from './args.js';
import { EXIT_FAILURE, EXIT_OK, writeText, type CliIO, type Command } from './command.js';
import { checkCommand } from './check.js';
import { tsdbCommand } from './tsdb.js';

export const PROGRAM = 'promwasm';

export interface CliOptions {
  /** The commands selectable by name. */
  readonly commands?: readonly Command[];
  /** Runs when the first argument is not a command name (e.g. the server with its flags). */
  readonly defaultCommand?: Command;
}

export const COMMANDS: readonly Command[] = [tsdbCommand, checkCommand];

export function usage(commands: readonly Command[]): string {
  return (
    `usage: ${PROGRAM} [<flags>] <command> [<args> ...]\n\n` +
    'A Prometheus-compatible time-series database engine.\n\n' +
    'Flags:\n  -h, --help     Show help.\n      --version  Show application version.\n\n' +
    'Commands:\n' +
    commands.map((c) => `  ${c.name}\n      ${c.summary}\n`).join('')
  );
}

/** Runs the command line `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIO, options: CliOptions = {}): Promise<number> {
  const commands = options.commands ?? COMMANDS;
  try {
    const first = argv[0];
    const command = commands.find((c) => c.name === first);
    if (command) return await command.run(argv.slice(1), io);
    if (options.defaultCommand) return await options.defaultCommand.run(argv, io);
    if (first === '--version') {
      await writeText(io.stdout, versionText());
      return EXIT_OK;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      await writeText(io.stdout, usage(commands));
      return EXIT_OK;
    }
    throw new UsageError(first === undefined ? 'expected command but got none' : `expected command but got "${first}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      await writeText(io.stderr, `${PROGRAM}: error: ${e.message}, try --help\n`);
    } else {
      await writeText(io.stderr, `${e instanceof Error ? e.message : String(e)}\n`);
    }
    return EXIT_FAILURE;
  }
}
