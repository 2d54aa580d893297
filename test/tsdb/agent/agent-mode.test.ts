// Agent mode in the server: the command line (2.42's agent-only and server-only flags, exit 3),
// the configuration fields an agent refuses, and a server started in agent mode in-process:
// wrapAgent routes answer 422, status pages work, prometheus_agent_* replace the TSDB metrics.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/default-config.js';
import { createLogger } from '../../../src/logging.js';
import { remoteWritePlugin } from '../../../src/remote/write-handler.js';
import { checkAgentConfig } from '../../../src/server/agent-mode.js';
import { FlagError } from '../../../src/server/flags.js';
import { parseServerArgs } from '../../../src/server/options.js';
import { PromwasmServer, StartupError } from '../../../src/server/server.js';
import type { DB } from '../../../src/server/storage-seam.js';
import { openAgentDB } from '../../../src/tsdb/agent/index.js';
import { agentApiRegistrations } from '../../../src/web/agent-api.js';
import { encodeLabels, encodeWriteRequest } from '../../helpers/rw-encode.js';
import { labels, tempDir } from './helpers.js';

function flagError(argv: string[]): FlagError {
  try {
    parseServerArgs(argv);
  } catch (err) {
    if (err instanceof FlagError) return err;
    throw err;
  }
  throw new Error('no FlagError');
}

describe('agent mode flags', () => {
  it('turns on with --enable-feature=agent or --agent, with 2.42 defaults', () => {
    for (const argv of [['--enable-feature=agent'], ['--agent']]) {
      const o = parseServerArgs(argv);
      expect(o.agent).toEqual({
        enabled: true, path: 'data-agent/', walSegmentSize: 0, walCompression: true, truncateFrequencyMs: 0,
        minWalTimeMs: 0, maxWalTimeMs: 0, noLockfile: false,
      });
    }
    expect(parseServerArgs([]).agent.enabled).toBe(false);
    const o = parseServerArgs([
      '--enable-feature=agent', '--storage.agent.path=/x', '--storage.agent.retention.min-time=10m',
      '--storage.agent.retention.max-time=1d', '--no-storage.agent.wal-compression', '--storage.agent.no-lockfile',
      '--storage.agent.wal-segment-size=64MB', '--storage.agent.wal-truncate-frequency=30m',
    ]);
    expect(o.agent).toEqual({
      enabled: true, path: '/x', walSegmentSize: 64 << 20, walCompression: false, truncateFrequencyMs: 1_800_000,
      minWalTimeMs: 600_000, maxWalTimeMs: 86_400_000, noLockfile: true,
    });
    expect(o.flagValues['storage.agent.path']).toBe('/x');
  });

  it('refuses server-only flags in agent mode and agent-only flags in server mode, exit code 3', () => {
    const inAgent = flagError(['--enable-feature=agent', '--storage.tsdb.path=d', '--query.timeout=1m']);
    expect(inAgent.exitCode).toBe(3);
    expect(inAgent.message).toBe('The following flag(s) can not be used in agent mode: ["--storage.tsdb.path" "--query.timeout"]');
    const inServer = flagError(['--storage.agent.path=d']);
    expect(inServer.exitCode).toBe(3);
    expect(inServer.message).toBe('The following flag(s) can only be used in agent mode: ["--storage.agent.path"]');
  });
});

describe('agent mode configuration', () => {
  it('refuses alerting, rule_files and remote_read as 2.42 does', () => {
    const cases: [string, string][] = [
      ['rule_files: [a.yml]\n', 'field rule_files is not allowed in agent mode'],
      ['remote_read:\n  - url: http://r/api/v1/read\n', 'field remote_read is not allowed in agent mode'],
      ['alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [am:9093]\n', 'field alerting is not allowed in agent mode'],
    ];
    for (const [text, message] of cases) {
      const run = (): void => checkAgentConfig(parseConfig(text, 'agent.yml'));
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
    }
    expect(() => checkAgentConfig(parseConfig('remote_write:\n  - url: http://u/api/v1/write\n', 'agent.yml'))).not.toThrow();
  });
});

describe('a server in agent mode', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  async function agentServer(extra: string[] = []): Promise<{ server: PromwasmServer; dir: string; db: () => DB }> {
    const t = tempDir('promwasm-agent-server-');
    stops.push(t.cleanup);
    const options = parseServerArgs(['--enable-feature=agent', `--storage.agent.path=${t.dir}`, '--web.listen-address=127.0.0.1:0', ...extra]);
    let opened: DB | undefined;
    const db = (): DB => {
      if (opened === undefined) throw new Error('TSDB not ready');
      return opened;
    };
    const server = new PromwasmServer(
      options,
      parseConfig('global:\n  scrape_interval: 1h\n', 'agent.yml'),
      {
        openDB: () => Promise.reject(new Error('agent mode must not open the TSDB')),
        openAgentDB: async (o) => (opened = await openAgentDB(o)),
        plugins: (context) => [{ plugin: remoteWritePlugin, options: { appendable: context.appendable } }, ...agentApiRegistrations(context, db)],
        defaultMetrics: false,
      },
      createLogger({ level: 'error', format: 'logfmt', sink: { write() {} } }),
    );
    stops.push(() => server.stop());
    return { server, dir: t.dir, db };
  }

  it('answers 422 on the wrapAgent routes, serves the rest, takes remote write into its WAL', async () => {
    const { server, dir, db } = await agentServer();
    await server.start();
    const base = `http://${server.address}`;
    const unavailable = '{"status":"error","errorType":"execution","error":"unavailable with Prometheus Agent"}';
    for (const [method, path] of [
      ['GET', '/api/v1/query?query=up'], ['POST', '/api/v1/query_range'], ['GET', '/api/v1/series?match[]=up'], ['GET', '/api/v1/labels'],
      ['GET', '/api/v1/label/job/values'], ['GET', '/api/v1/status/tsdb'], ['GET', '/api/v1/rules'], ['GET', '/api/v1/alerts'],
      ['POST', '/api/v1/admin/tsdb/snapshot'], ['PUT', '/api/v1/admin/tsdb/delete_series'], ['GET', '/api/v1/query_exemplars'],
    ]) {
      const res = await fetch(`${base}${path}`, { method });
      expect([path, res.status, await res.text()]).toEqual([path, 422, unavailable]);
    }
    expect((await fetch(`${base}/api/v1/status/buildinfo`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/status/flags`)).status).toBe(200);

    const push = await fetch(`${base}/api/v1/write`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      body: snappy.compressSync(Buffer.from(encodeWriteRequest([encodeLabels(labels({ __name__: 'pushed' }))], Float64Array.of(1), Date.now()))),
    });
    expect(push.status).toBe(204);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('prometheus_agent_active_series 1\n');
    expect(metrics).toContain('prometheus_agent_samples_appended_total{type="float"} 1\n');
    expect(metrics).not.toContain('prometheus_tsdb_head_series');
    expect(db().stats().numSeries).toBe(1);
    expect(existsSync(join(dir, 'wal', '00000000'))).toBe(true);
    expect(existsSync(join(dir, 'lock'))).toBe(true);
  });

  it('refuses a WAL segment size outside 10MB..256MB when the storage starts', async () => {
    const { server } = await agentServer(['--storage.agent.wal-segment-size=1MB']);
    const err = await server.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect(((err as StartupError).cause as Error).message).toBe("flag 'storage.agent.wal-segment-size' must be set between 10MB and 256MB");
  });
});
