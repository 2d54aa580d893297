// The single executable: `scripts/build-binary.ts` builds it once into a temporary directory; it then
// runs there with PATH stripped of node and npm, no NODE_* variables and a cwd outside the repository
// (so no node_modules is reachable): --version, --help texts identical to `npx promwasm`'s, a server
// taking a remote write, and `tsdb dump` showing the samples.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressSync } from '../../src/native/snappy.js';
import { exited, freePort, ROOT, runCli } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const BUILD_TIMEOUT_MS = 300_000;
const supported = process.platform === 'linux' && process.arch === 'x64';
const havePostject = existsSync(join(ROOT, 'node_modules', 'postject'));
if (!supported) console.warn(`skipping the single-executable test: it is built for linux/x64, not ${process.platform}/${process.arch}`);
if (supported && !havePostject) console.warn('skipping the single-executable test: postject is not installed (npm ci installs it)');

/** PATH without any directory holding node or npm. */
const strippedPath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir !== '' && !existsSync(join(dir, 'node')) && !existsSync(join(dir, 'npm')))
  .join(delimiter);

describe.runIf(supported && havePostject)('dist/promwasm (single executable)', () => {
  let dir: string;
  let binary: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'promwasm-binary-'));
    const start = performance.now();
    const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build-binary.ts'), '--out-dir', join(dir, 'out')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: BUILD_TIMEOUT_MS,
    });
    if (build.error !== undefined || build.status !== 0) {
      throw new Error(`build-binary failed (${build.error?.message ?? `exit ${build.status}`}):\n${build.stdout}\n${build.stderr}`);
    }
    console.log(`single executable built in ${((performance.now() - start) / 1000).toFixed(1)} s:\n${build.stdout}`);
    // Only the binary moves to the run directory: nothing else of the build is next to it.
    binary = join(dir, 'run', 'promwasm');
    spawnSync('mkdir', [join(dir, 'run')]);
    spawnSync('cp', [join(dir, 'out', 'promwasm'), binary]);
    rmSync(join(dir, 'out'), { recursive: true, force: true });
  }, BUILD_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ PATH: strippedPath, HOME: join(dir, 'run'), TMPDIR: dir });

  function run(args: readonly string[]): SpawnSyncReturns<string> {
    return spawnSync(binary, args, { cwd: join(dir, 'run'), env: env(), encoding: 'utf8', timeout: 60_000 });
  }

  it('runs where no node is on PATH', () => {
    expect(spawnSync('sh', ['-c', 'command -v node || command -v npm'], { env: env() }).status).not.toBe(0);
    const version = run(['--version']);
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^promwasm, version \d+\.\d+\.\d+ \(branch: \S+, revision: (?:[0-9a-f]{40}|unknown)\)\n {2}node version: {5}v20\./);
  });

  it('prints the same help as `npx promwasm` for the server and the tsdb commands', () => {
    for (const args of [['--help'], ['tsdb', '--help'], ['tsdb', 'dump', '--help'], ['tsdb', 'list', '--help']]) {
      const ours = run(args);
      const reference = runCli(args);
      expect({ args, status: ours.status, stdout: ours.stdout, stderr: ours.stderr }).toEqual({
        args,
        status: reference.status,
        stdout: reference.stdout,
        stderr: reference.stderr,
      });
    }
    expect(run(['--help']).stdout).toContain('--storage.tsdb.path');
  }, 60_000);

  it('rejects an unknown flag as the CLI does', () => {
    const ours = run(['--no-such-flag']);
    const reference = runCli(['--no-such-flag']);
    expect(ours.status).toBe(reference.status);
    expect(ours.stderr).toBe(reference.stderr);
  }, 30_000);

  it('serves remote write into a data directory that `tsdb dump` then reads', async () => {
    const data = join(dir, 'run', 'data');
    const config = join(dir, 'run', 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
    const port = await freePort();
    const proc = spawn(binary, [`--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, `--config.file=${config}`], {
      cwd: join(dir, 'run'),
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    const url = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`promwasm exited with ${proc.exitCode}:\n${log}`);
        if (Date.now() > deadline) throw new Error(`promwasm did not become ready:\n${log}`);
        const ready = await fetch(`${url}/-/ready`).then((r) => r.status, () => 0);
        if (ready === 200) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(readFileSync(join(data, 'lock'), 'utf8')).toBe(`${proc.pid}\n`);
      const series = [
        encodeLabels([{ name: '__name__', value: 'binary_test_total' }, { name: 'job', value: 'sea' }]),
        encodeLabels([{ name: '__name__', value: 'binary_test_gauge' }, { name: 'job', value: 'sea' }]),
      ];
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/api/v1/write`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
          body: compressSync(encodeWriteRequest(series, Float64Array.of(i + 1, 0.5 * i), t0 + i * 15_000)),
        });
        expect(res.status, await res.text()).toBe(204);
      }
    } finally {
      proc.kill('SIGTERM');
    }
    expect(await exited(proc)).toBe(0);

    const dump = run(['tsdb', 'dump', data]);
    expect(dump.stderr).toBe('');
    expect(dump.status).toBe(0);
    const list = run(['tsdb', 'list', data]);
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(readFileSync(join(data, 'wal', '00000000')).length).toBeGreaterThan(0);
    expect(existsSync(join(data, 'lock'))).toBe(false);
    expect(dump.stdout.split('\n').filter((l) => l.includes('binary_test'))).toEqual([
      '{__name__="binary_test_gauge", job="sea"} 0 1700000000000',
      '{__name__="binary_test_gauge", job="sea"} 0.5 1700000015000',
      '{__name__="binary_test_gauge", job="sea"} 1 1700000030000',
      '{__name__="binary_test_total", job="sea"} 1 1700000000000',
      '{__name__="binary_test_total", job="sea"} 2 1700000015000',
      '{__name__="binary_test_total", job="sea"} 3 1700000030000',
    ]);
  }, 90_000);
});
