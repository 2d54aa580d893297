// The server as a real process: node runs test/server/fixtures/fake-server.ts (runServer over a
// storage that writes a marker file when closed) on a free loopback port; the test talks HTTP to
// it and sends it real signals.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/fake-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface ServerProcess {
  readonly child: ChildProcess;
  readonly marker: string;
  readonly exited: Promise<number | null>;
  stderr: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startServer(args: string[], env: Record<string, string> = {}): ServerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-proc-'));
  const marker = join(dir, 'closed.json');
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, marker, `--storage.tsdb.path=${join(dir, 'data')}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const server: ServerProcess = {
    child,
    marker,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (server.stderr += chunk));
  return server;
}

async function addressOf(server: ServerProcess): Promise<string> {
  await waitFor(() => /Listening on http:\/\/[^"]+/.test(server.stderr), 30_000);
  return server.stderr.match(/Listening on http:\/\/([^"]+)/)![1]!;
}

describe('the server process', () => {
  it('answers over HTTP and shuts down cleanly on SIGTERM: exit 0, storage closed', async () => {
    const server = startServer(['--web.listen-address=127.0.0.1:0']);
    const address = await addressOf(server);
    await waitFor(() => server.stderr.includes('Server is ready to receive web requests.'), 30_000);

    const healthy = await fetch(`http://${address}/-/healthy`);
    expect(healthy.status).toBe(200);
    expect(await healthy.text()).toBe('Prometheus Server is Healthy.\n');
    const metrics = await (await fetch(`http://${address}/metrics`)).text();
    expect(metrics).toContain('prometheus_http_requests_total{code="200",handler="/-/healthy"} 1');
    expect(metrics).toContain('process_cpu_seconds_total');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(JSON.parse(readFileSync(server.marker, 'utf8'))).toMatchObject({ closed: true, retentionMs: 15 * 86_400_000 });
    expect(server.stderr).toContain('msg="Received SIGTERM, exiting gracefully..."');
    expect(server.stderr).toContain('msg="See you next time!"');
  });

  it('is healthy but not ready while the storage opens, and still closes it on SIGINT', async () => {
    const server = startServer(['--web.listen-address=127.0.0.1:0'], { FAKE_DB_OPEN_DELAY_MS: '1500' });
    const address = await addressOf(server);
    expect((await fetch(`http://${address}/-/healthy`)).status).toBe(200);
    const ready = await fetch(`http://${address}/-/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe('Service Unavailable');

    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(existsSync(server.marker)).toBe(true);
  });

  it('exits 1 at once on a second signal', async () => {
    const server = startServer(['--web.listen-address=127.0.0.1:0'], { FAKE_DB_OPEN_DELAY_MS: '20000' });
    await addressOf(server);
    server.child.kill('SIGTERM');
    await waitFor(() => server.stderr.includes('exiting gracefully'), 10_000);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    expect(existsSync(server.marker)).toBe(false);
  });

  it('exits 1 with a clear error when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const server = startServer([`--web.listen-address=127.0.0.1:${port}`]);
      expect(await server.exited).toBe(1);
      expect(server.stderr).toContain(`msg="Unable to start web listener" err="listen EADDRINUSE: address already in use 127.0.0.1:${port}"`);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 on an unknown flag and 2 on a bad value, like Prometheus', async () => {
    const unknown = startServer(['--no-such-flag']);
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr).toContain("unknown long flag '--no-such-flag'");
    const bad = startServer(['--storage.tsdb.retention.time=forever']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr).toContain(`invalid value "forever" for flag '--storage.tsdb.retention.time'`);
  });
});
