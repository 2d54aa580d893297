// Entry point of the single executable (scripts/build-binary.ts bundles it into one CommonJS
// script, as a Node 20 SEA's main must be). The same as src/cli/main.ts without top-level await,
// which CommonJS does not have.

import { COMMANDS, runCli } from '../cli/cli.js';
import { serverCommand } from '../cli/server-command.js';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, { commands: COMMANDS, defaultCommand: serverCommand }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
