// What the `promwasm` dispatcher knows about a command.

import type { Writable } from 'node:stream';

/** Where a command reads its environment from and writes to (tests pass their own streams). */
export interface CliIO {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface Command {
  /** The word that selects the command (`tsdb`). */
  readonly name: string;
  /** One line for the command list in --help. */
  readonly summary: string;
  /** Runs with the arguments after the command word; resolves with the exit code. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

export const EXIT_OK = 0;
/** Failures and usage errors, as promtool exits. */
export const EXIT_FAILURE = 1;

/** Writes text to a stream and waits until it is handed on (or failed: errors are the stream's to report). */
export function writeText(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}
