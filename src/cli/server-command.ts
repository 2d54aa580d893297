// The default command: `promwasm [flags]` runs the server, as `prometheus [flags]` does.

import type { Command } from './command.js';

export const serverCommand: Command = {
  name: 'server',
  summary: 'Run the server (the default when the first argument is a flag or absent).',
  async run(argv, io) {
    return (await import('./server-run.js')).runServerCommand(argv, io);
  },
};
