// The default command: `promwasm [flags]` runs the server, as `prometheus [flags]` does.

import { remoteWritePlugin } from '../remote/write-handler.js';
import { runServer } from '../server/index.js';
import { openDB } from '../tsdb/db.js';
import type { Command } from './command.js';

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run the server (the default when the first argument is a flag or absent).',
  run(argv, io) {
    return runServer(
      argv,
      {
        openDB,
        plugins: ({ appendable }) => [{ plugin: remoteWritePlugin, options: { appendable } }],
      },
      { stdout: (text) => io.stdout.write(text), stderr: (text) => io.stderr.write(text) },
    );
  },
};
