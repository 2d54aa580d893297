// `promwasm check config <file>...`, as `promtool check config` (2.42): for each file
//   stdout "Checking <file>", any "  WARNING: ..." lines, then either
//   stdout "  SUCCESS: N rule files found" (when there are some) and " SUCCESS: <file> is valid
//   prometheus config file syntax", or stderr "  FAILED: <error>"; then an empty line.
// Exit code 1 when any file failed. The errors are Prometheus's, with the field's path, line and
// column added where the error is in the configuration. Rule files are found and checked to exist,
// but their rules are not checked: promwasm evaluates no rules (promtool check rules does that).

import { statSync } from 'node:fs';
import { checkConfigFile } from '../config/check.js';
import { parseCommandArgs, UsageError, type FlagDef } from './args.js';
import { EXIT_FAILURE, EXIT_OK, writeText, type CliIO } from './command.js';

const LINT_OPTIONS = ['all', 'duplicate-rules', 'none'];

const FLAGS: readonly FlagDef[] = [
  { name: 'syntax-only', kind: 'bool', help: 'Only check the config file syntax, ignoring file and content validation referenced in the config' },
  {
    name: 'lint',
    kind: 'string',
    default: 'duplicate-rules',
    help: `Linting checks to apply to the rules specified in the config. Available options are: ${LINT_OPTIONS.join(', ')}. Use --lint=none to disable linting`,
  },
  { name: 'lint-fatal', kind: 'bool', default: 'false', help: 'Make lint errors exit with exit code 3.' },
  { name: 'agent', kind: 'bool', help: 'Check config file for Prometheus in Agent mode.' },
];

export const CHECK_CONFIG_USAGE =
  'usage: promwasm check config [<flags>] <config-files>...\n\n' +
  'Check if the config files are valid or not.\n\n' +
  'Flags:\n' +
  FLAGS.map((f) => `  --${f.kind === 'bool' ? '[no-]' : ''}${f.name}${f.kind === 'string' ? `="${f.default}"` : ''}\n      ${f.help}\n`).join('') +
  '\nArgs:\n  <config-files>  The config files to check.\n';

/** Runs `check config` with the arguments after `config`; resolves with the exit code. */
export async function checkConfigCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    FLAGS,
    argv.map(() => ({ name: 'config-files', help: 'The config files to check.' })),
  );
  if (parsed.help) {
    await writeText(io.stdout, CHECK_CONFIG_USAGE);
    return EXIT_OK;
  }
  const files = parsed.args;
  if (files.length === 0) throw new UsageError("required argument 'config-files' not provided");
  for (const f of files) requireExistingFile(f);
  // Lint settings concern rules, which are not checked here; unknown ones are reported as promtool does.
  for (const setting of (parsed.flags.get('lint') as string).split(',')) {
    if (!LINT_OPTIONS.includes(setting)) await writeText(io.stdout, `WARNING: unknown lint option ${setting}\n`);
  }
  const options = { syntaxOnly: parsed.flags.get('syntax-only') === true, agentMode: parsed.flags.get('agent') === true };

  let failed = false;
  for (const file of files) {
    let out = `Checking ${file}\n`;
    const result = checkConfigFile(file, options);
    for (const w of result.warnings) out += `  WARNING: ${w}\n`;
    if (result.error !== undefined) {
      await writeText(io.stdout, out);
      await writeText(io.stderr, `  FAILED: ${result.error}\n`);
      await writeText(io.stdout, '\n');
      failed = true;
      continue;
    }
    if (result.ruleFiles.length > 0) out += `  SUCCESS: ${result.ruleFiles.length} rule files found\n`;
    out += ` SUCCESS: ${file} is valid prometheus config file syntax\n\n`;
    for (const rf of result.ruleFiles) {
      out += `Checking ${rf}\n  SKIPPED: rules are not checked: promwasm evaluates no rules (promtool check rules does)\n\n`;
    }
    await writeText(io.stdout, out);
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

/** kingpin's ExistingFiles: each argument must exist and not be a directory. */
function requireExistingFile(file: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    throw new UsageError(`path '${file}' does not exist`);
  }
  if (isDirectory) throw new UsageError(`'${file}' is a directory`);
}
