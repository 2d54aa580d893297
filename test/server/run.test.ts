import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServer, type RunEnvironment } from '../../src/server/run.js';
import { FakeStorage, LogCapture, waitFor } from './helpers.js';

/** A process stand-in: captured output, signals raised by the test, exit recorded. */
class FakeProcess {
  stdout = '';
  stderr = '';
  readonly logs = new LogCapture();
  readonly exits: number[] = [];
  private readonly handlers = new Map<string, Set<() => void>>();

  readonly env: Partial<RunEnvironment> = {
    stdout: (text) => (this.stdout += text),
    stderr: (text) => (this.stderr += text),
    logSink: this.logs,
    onSignal: (signal, handler) => {
      if (!this.handlers.has(signal)) this.handlers.set(signal, new Set());
      this.handlers.get(signal)!.add(handler);
    },
    offSignal: (signal, handler) => this.handlers.get(signal)?.delete(handler),
    exit: (code) => this.exits.push(code),
  };

  raise(signal: string): void {
    for (const handler of this.handlers.get(signal) ?? []) handler();
  }

  listenerCount(): number {
    return [...this.handlers.values()].reduce((n, set) => n + set.size, 0);
  }

  /** The address the server logged, once it did. */
  async address(): Promise<string> {
    await waitFor(() => /Listening on http:\/\/[^"]+/.test(this.logs.text));
    return this.logs.text.match(/Listening on http:\/\/([^"]+)/)![1]!;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'promwasm-run-'));
const LOCAL = '--web.listen-address=127.0.0.1:0';

describe('runServer without running a server', () => {
  it('prints usage for --help and exits 0', async () => {
    const p = new FakeProcess();
    expect(await runServer(['--help'], { openDB: new FakeStorage().openDB }, p.env)).toBe(0);
    expect(p.stdout).toMatch(/^usage: promwasm \[<flags>\]\n/);
  });

  it('prints the version for --version and exits 0', async () => {
    const p = new FakeProcess();
    expect(await runServer(['--version'], { openDB: new FakeStorage().openDB }, p.env)).toBe(0);
    expect(p.stdout).toMatch(/^promwasm, version 0\.1\.0 \(branch: unknown, revision: unknown\)\n {2}node version: {5}v\d+/);
  });

  it('exits 1 on an unknown flag, naming it', async () => {
    const p = new FakeProcess();
    const storage = new FakeStorage();
    expect(await runServer(['--x'], { openDB: storage.openDB }, p.env)).toBe(1);
    expect(p.stderr).toBe("Error parsing commandline arguments: unknown long flag '--x'\npromwasm: error: unknown long flag '--x', try --help\n");
    expect(storage.opened).toBeUndefined();
  });

  it('exits 2 on a bad value, naming the flag', async () => {
    const p = new FakeProcess();
    expect(await runServer(['--query.timeout=soon'], { openDB: new FakeStorage().openDB }, p.env)).toBe(2);
    expect(p.stderr).toContain(`invalid value "soon" for flag '--query.timeout': not a valid duration string: "soon"`);
  });

  it('refuses to start with a configuration that is not valid YAML: exit 2, line and column logged', async () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'global:\n  scrape_interval: 15s\n bad: indent\n');
    const p = new FakeProcess();
    const storage = new FakeStorage();
    expect(await runServer([`--config.file=${file}`, LOCAL], { openDB: storage.openDB }, p.env)).toBe(2);
    expect(p.logs.text).toContain(`level=error msg="Error loading config (--config.file=${file})"`);
    expect(p.logs.text).toContain('line=3 column=1');
    expect(p.logs.text).toContain(`err="parsing YAML file ${file}: line 3, column 1: All mapping items must start at the same column"`);
    expect(storage.opened).toBeUndefined();
    expect(p.listenerCount()).toBe(0);
  });

  it('refuses to start with a missing configuration file: exit 2', async () => {
    const p = new FakeProcess();
    expect(await runServer([`--config.file=${join(dir, 'missing.yml')}`, LOCAL], { openDB: new FakeStorage().openDB }, p.env)).toBe(2);
    expect(p.logs.text).toContain('ENOENT');
  });
});

describe('runServer running a server', () => {
  it('serves until SIGTERM, then closes the storage, says goodbye and exits 0', async () => {
    const p = new FakeProcess();
    const storage = new FakeStorage();
    const running = runServer([LOCAL, `--storage.tsdb.path=${dir}/data`], { openDB: storage.openDB, defaultMetrics: false }, p.env);
    const address = await p.address();
    await waitFor(() => p.logs.text.includes('Server is ready to receive web requests.'));
    expect((await fetch(`http://${address}/-/ready`)).status).toBe(200);

    p.raise('SIGTERM');
    expect(await running).toBe(0);
    expect(storage.closed).toBe(1);
    expect(p.logs.text).toContain('level=warn msg="Received SIGTERM, exiting gracefully..."');
    expect(p.logs.text).toContain('level=info msg="See you next time!"');
    expect(p.listenerCount()).toBe(0);
    expect(p.exits).toEqual([]);
  });

  it('exits at once on a second signal', async () => {
    const p = new FakeProcess();
    const storage = new FakeStorage();
    storage.holdOpen(); // shutdown waits for the open, so the second signal arrives mid-shutdown
    const running = runServer([LOCAL], { openDB: storage.openDB, defaultMetrics: false }, p.env);
    await p.address();
    p.raise('SIGINT');
    p.raise('SIGINT');
    expect(p.exits).toEqual([1]);
    storage.release();
    expect(await running).toBe(0);
  });

  it('stops on /-/quit when the lifecycle API is enabled', async () => {
    const p = new FakeProcess();
    const storage = new FakeStorage();
    const running = runServer([LOCAL, '--web.enable-lifecycle'], { openDB: storage.openDB, defaultMetrics: false }, p.env);
    const address = await p.address();
    const res = await fetch(`http://${address}/-/quit`, { method: 'POST' });
    expect(await res.text()).toBe('Requesting termination... Goodbye!');
    expect(await running).toBe(0);
    expect(storage.closed).toBe(1);
    expect(p.logs.text).toContain('Received termination request via web service, exiting gracefully...');
  });

  it('reloads the configuration on SIGHUP, keeping the old one when the new one is broken', async () => {
    const file = join(dir, 'reload.yml');
    writeFileSync(file, 'global:\n  scrape_interval: 15s\n');
    const p = new FakeProcess();
    const running = runServer([LOCAL, `--config.file=${file}`], { openDB: new FakeStorage().openDB, defaultMetrics: false }, p.env);
    const address = await p.address();
    const reloadSuccessful = async () => {
      const body = await (await fetch(`http://${address}/metrics`)).text();
      return body.match(/^prometheus_config_last_reload_successful (\d)$/m)![1];
    };

    writeFileSync(file, 'global: [broken\n');
    p.raise('SIGHUP');
    await waitFor(() => p.logs.text.includes('Error reloading config'));
    expect(await reloadSuccessful()).toBe('0');

    writeFileSync(file, 'global:\n  scrape_interval: 30s\n');
    p.raise('SIGHUP');
    await waitFor(() => p.logs.text.includes('Completed loading of configuration file'));
    expect(await reloadSuccessful()).toBe('1');

    p.raise('SIGTERM');
    expect(await running).toBe(0);
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const p = new FakeProcess();
      const storage = new FakeStorage();
      expect(await runServer([`--web.listen-address=127.0.0.1:${port}`], { openDB: storage.openDB, defaultMetrics: false }, p.env)).toBe(1);
      expect(p.logs.text).toMatch(/level=error msg="Unable to start web listener" err="listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+"/);
      expect(storage.opened).toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it('exits 1 when the storage cannot be opened', async () => {
    const p = new FakeProcess();
    const storage = new FakeStorage();
    storage.failNextOpen(new Error('lock file held by another process'));
    expect(await runServer([LOCAL], { openDB: storage.openDB, defaultMetrics: false }, p.env)).toBe(1);
    expect(p.logs.text).toContain('level=error msg="opening storage failed" err="lock file held by another process"');
    expect(p.listenerCount()).toBe(0);
  });
});
