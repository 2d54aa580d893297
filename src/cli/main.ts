#!/usr/bin/env node
// Entry point of the `promwasm` executable. The exit code is set, not forced, so that buffered output
// reaches a pipe before the process ends.

import { COMMANDS, runCli } from './cli.js';
import { serverCommand } from './server-command.js';

process.exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr },
  { commands: COMMANDS, defaultCommand: serverCommand },
);
