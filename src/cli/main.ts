#!/usr/bin/env node
// Entry point of the `promwasm` executable, and of the single executable (scripts/build-binary.ts
// bundles it into one CommonJS script, so no top-level await here). The exit code is set, not
// forced, so that buffered output reaches a pipe before the process ends.

import { COMMANDS, runCli } from './cli.js';
import { serverCommand } from './server-command.js';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, { commands: COMMANDS, defaultCommand: serverCommand }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
