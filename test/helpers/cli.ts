// Runs the real `promwasm` entry point (src/cli/main.ts through tsx) as a child process.

import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = resolve(ROOT, 'src/cli/main.ts');

/** `promwasm <args>` to completion. */
export function runCli(args: readonly string[], opts: { input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    input: opts.input,
  });
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

export interface RunningServer {
  readonly url: string;
  readonly proc: ChildProcess;
  /** stderr so far (logs). */
  output(): string;
}

/** A config with no scrape jobs: the embedded default would scrape localhost:9090 into the test's data. */
const CONFIG_DIR = mkdtempSync(join(tmpdir(), 'promwasm-test-config-'));
const NO_SCRAPES = join(CONFIG_DIR, 'prometheus.yml');
writeFileSync(NO_SCRAPES, 'global:\n  scrape_interval: 1m\n');
process.on('exit', () => rmSync(CONFIG_DIR, { recursive: true, force: true }));

/**
 * Starts `promwasm` serving `dataDir` on a free loopback port and waits until it is ready.
 * Without a --config.file among `extra` it runs with a config that scrapes nothing.
 */
export async function startServer(dataDir: string, extra: readonly string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const config = extra.some((a) => a.startsWith('--config.file')) ? [] : [`--config.file=${NO_SCRAPES}`];
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, ...config, ...extra],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`promwasm exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`promwasm did not become ready:\n${out}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, proc, output: () => out };
}

/** Waits for the process to exit and returns its exit code (or the signal name). */
export function exited(proc: ChildProcess): Promise<number | string> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode ?? proc.signalCode!);
  return new Promise((r) => proc.once('exit', (code, signal) => r(code ?? signal ?? -1)));
}
