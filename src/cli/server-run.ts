// The server command's body, loaded only when the server runs (it pulls in fastify, the engine and
// every API), so that `promwasm tsdb ...` and `--version` start fast.

import { remoteReadRegistration } from '../remote/read-handler.js';
import { remoteWritePlugin } from '../remote/write-handler.js';
import { adminRegistration } from '../web/admin.js';
import { runServer } from '../server/index.js';
import { queryApiRegistration } from '../web/api/registration.js';
import { openAgentDB, type AgentDB } from '../tsdb/agent/index.js';
import { openDB, type DB } from '../tsdb/db.js';
import { agentApiRegistrations } from '../web/agent-api.js';
import type { CliIO } from './command.js';

/** Runs the server with every API mounted (or the agent's), until it stops; resolves with the exit code. */
export function runServerCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let storage: DB | undefined; // remote read queries it; its endpoint answers 503 until the storage is open
  const queryable = (): DB => {
    if (storage === undefined) throw new Error('TSDB not ready');
    return storage;
  };
  let agentStorage: AgentDB | undefined; // agent mode opens this instead
  const agentReady = (): AgentDB => {
    if (agentStorage === undefined) throw new Error('TSDB not ready');
    return agentStorage;
  };
  return runServer(
    argv,
    {
      openDB: async (options) => (storage = await openDB(options)),
      openAgentDB: async (options) => (agentStorage = await openAgentDB(options)),
      plugins: (context) => context.options.agent.enabled ? [
        { plugin: remoteWritePlugin, options: { appendable: context.appendable } },
        ...agentApiRegistrations(context, agentReady),
      ] : [
        { plugin: remoteWritePlugin, options: { appendable: context.appendable } },
        remoteReadRegistration(context, queryable),
        queryApiRegistration(context, queryable),
        adminRegistration(context, queryable),
      ],
    },
    { stdout: (text) => io.stdout.write(text), stderr: (text) => io.stderr.write(text) },
  );
}
