import { createServer, type Server } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/default-config.js';
import { createLogger } from '../../src/logging.js';
import { parseServerArgs } from '../../src/server/options.js';
import { PromwasmServer, StartupError, type ServerDeps } from '../../src/server/server.js';
import { FakeStorage, LogCapture, waitFor } from './helpers.js';

const servers: PromwasmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
});

async function makeServer(argv: string[], deps: Partial<ServerDeps> & { storage: FakeStorage }, configText?: string) {
  const logs = new LogCapture();
  const listen = argv.some((a) => a.startsWith('--web.listen-address')) ? [] : ['--web.listen-address=127.0.0.1:0'];
  const options = parseServerArgs([...listen, ...argv]);
  const config = configText === undefined ? await loadConfig(undefined) : parseConfig(configText, 'test.yml');
  const server = new PromwasmServer(
    options,
    config,
    { openDB: deps.storage.openDB, plugins: deps.plugins, defaultMetrics: false },
    createLogger({ level: 'debug', format: 'logfmt', sink: logs }),
  );
  servers.push(server);
  return { server, logs };
}

async function get(server: PromwasmServer, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${server.address}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('PromwasmServer', () => {
  it('listens before the storage opens: healthy at once, ready only after the open', async () => {
    const storage = new FakeStorage();
    storage.holdOpen();
    const { server, logs } = await makeServer([], { storage });
    const starting = server.start();
    await waitFor(() => server.address !== undefined && storage.opened === undefined && logs.text.includes('Starting TSDB'));

    expect(await get(server, '/-/healthy')).toEqual({ status: 200, body: 'Prometheus Server is Healthy.\n' });
    expect(await get(server, '/-/ready')).toEqual({ status: 503, body: 'Service Unavailable' });

    storage.release();
    await starting;
    expect(await get(server, '/-/ready')).toEqual({ status: 200, body: 'Prometheus Server is Ready.\n' });
    expect(logs.text).toMatch(/level=info msg="Server is ready to receive web requests\."/);
    expect(logs.text).toMatch(/level=info component=web msg="Listening on http:\/\/127\.0\.0\.1:\d+"/);
  });

  it('opens the storage with the options from the flags and the configuration', async () => {
    const storage = new FakeStorage();
    const { server } = await makeServer(
      ['--storage.tsdb.path=/tmp/x', '--storage.tsdb.retention.time=30d', '--no-storage.tsdb.wal-compression'],
      { storage },
      'storage:\n  tsdb:\n    out_of_order_time_window: 10m\n',
    );
    await server.start();
    expect(storage.opened).toMatchObject({
      dir: '/tmp/x',
      retentionMs: 30 * 86_400_000,
      minBlockDurationMs: 2 * 3_600_000,
      maxBlockDurationMs: 3 * 86_400_000,
      walCompression: false,
      outOfOrderTimeWindowMs: 600_000,
    });
    expect(storage.opened?.logger).toBeDefined();
  });

  it('stops: not ready, no longer listening, storage closed once', async () => {
    const storage = new FakeStorage();
    const { server } = await makeServer([], { storage });
    await server.start();
    const address = server.address!;
    await server.stop();
    await server.stop();
    expect(server.readiness.isReady).toBe(false);
    expect(storage.closed).toBe(1);
    await expect(fetch(`http://${address}/-/healthy`)).rejects.toThrow();
  });

  it('lets a request in flight finish while stopping', async () => {
    const storage = new FakeStorage();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: FastifyPluginAsync = async (app) => {
      app.get('/slow', async () => {
        entered();
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 'done';
      });
    };
    const { server } = await makeServer([], { storage, plugins: () => [{ plugin: slow }] });
    await server.start();
    const response = get(server, '/slow');
    await inside;
    const stopping = Date.now();
    const stopped = server.stop();
    expect(await response).toEqual({ status: 200, body: 'done' });
    await stopped;
    expect(storage.closed).toBe(1);
    // The kept-alive connection of that request must not hold the shutdown.
    expect(Date.now() - stopping).toBeLessThan(5000);
  });

  it('closes a storage that finishes opening after stop() was called, and never becomes ready', async () => {
    const storage = new FakeStorage();
    storage.holdOpen();
    const { server } = await makeServer([], { storage });
    const starting = server.start();
    await waitFor(() => server.address !== undefined);
    const stopped = server.stop();
    storage.release();
    await starting;
    await stopped;
    expect(server.readiness.isReady).toBe(false);
    expect(storage.closed).toBe(1);
  });

  it('hands plugins an appendable that refuses until the storage is open', async () => {
    const storage = new FakeStorage();
    storage.holdOpen();
    let appendable: { appender(): unknown } | undefined;
    const { server } = await makeServer([], {
      storage,
      plugins: (context) => {
        appendable = context.appendable;
        return [];
      },
    });
    expect(() => appendable!.appender()).toThrow('TSDB not ready');
    const starting = server.start();
    storage.release();
    await starting;
    expect(() => appendable!.appender()).toThrow('the fake storage takes no samples');
  });

  it('fails to start when the port is taken', async () => {
    const blocker = await occupyPort();
    try {
      const port = (blocker.address() as { port: number }).port;
      const { server } = await makeServer([`--web.listen-address=127.0.0.1:${port}`], { storage: new FakeStorage() });
      const err = await server.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartupError);
      expect((err as StartupError).message).toBe('Unable to start web listener');
      expect(((err as StartupError).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });

  it('fails to start when the storage cannot be opened', async () => {
    const storage = new FakeStorage();
    storage.failNextOpen(new Error('lock held'));
    const { server } = await makeServer([], { storage });
    const err = await server.start().catch((e: unknown) => e);
    expect((err as StartupError).message).toBe('opening storage failed');
    expect(((err as StartupError).cause as Error).message).toBe('lock held');
  });

  it('listens on every interface for an empty host, as Go does for ":port"', async () => {
    const { server } = await makeServer(['--web.listen-address=:0'], { storage: new FakeStorage() });
    await server.start();
    const port = server.address!.slice(server.address!.lastIndexOf(':') + 1);
    expect((await fetch(`http://127.0.0.1:${port}/-/healthy`)).status).toBe(200);
  });

  it('limits simultaneous connections to --web.max-connections', async () => {
    const { server } = await makeServer(['--web.max-connections=3'], { storage: new FakeStorage() });
    await server.start();
    expect(server.app.server.maxConnections).toBe(3);
  });
});

async function occupyPort(): Promise<Server> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return blocker;
}
