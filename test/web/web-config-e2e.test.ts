// The secured edge end to end: promwasm started with --web.config.file (TLS requiring a CA-signed client
// certificate, basic auth with a bcrypt hash), and a real Prometheus 2.42 remote-writing to it through
// three queues: the right credentials (its samples arrive, none fail), a wrong password (401: the
// samples fail, nothing is stored for them), no client certificate (the handshake fails: retried, never
// sent). A bad web config stops startup with an error naming the field. Certificates are made at test
// time with openssl.

import bcrypt from 'bcryptjs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, freePort, runCli } from '../helpers/cli.js';
import { makeCerts, OPENSSL_MISSING } from './certs.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus is not on PATH: skipping the remote_write over TLS test against the real Prometheus 2.42');
if (OPENSSL_MISSING) console.warn('openssl is not on PATH: skipping the TLS tests (certificates are made with it)');

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = resolve(ROOT, 'src/cli/main.ts');
const root = mkdtempSync(join(tmpdir(), 'promwasm-web-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Promwasm {
  readonly proc: ChildProcess;
  readonly port: number;
  output(): string;
}

/** Starts promwasm with extra flags; resolves once it says it is ready (its HTTP needs TLS and a password). */
async function startPromwasm(dataDir: string, flags: readonly string[]): Promise<Promwasm> {
  const port = await freePort();
  const config = join(root, 'promwasm.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, `--config.file=${config}`, ...flags], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Server is ready to receive web requests.')) {
    if (proc.exitCode !== null) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`promwasm did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, port, output: () => out };
}

/** A metric of Prometheus's /metrics text for one remote_name, summed over the rest of its labels. */
function remoteMetric(text: string, name: string, remote: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`remote_name="${remote}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

describe.skipIf(OPENSSL_MISSING)('promwasm behind --web.config.file', () => {
  const certDir = join(root, 'certs');
  mkdirSync(certDir);
  const certs = OPENSSL_MISSING ? undefined! : makeCerts(certDir);
  const webConfig = join(root, 'web.yml');
  writeFileSync(
    webConfig,
    [
      'tls_server_config:',
      `  cert_file: ${certs?.serverCert}`,
      `  key_file: ${certs?.serverKey}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      `  client_ca_file: ${certs?.caCert}`,
      'basic_auth_users:',
      `  writer: ${bcrypt.hashSync('rw-pass', 6)}`,
      '',
    ].join('\n'),
  );

  it('a bad web config stops startup with exit 1 and an error naming the field', async () => {
    const bad = join(root, 'bad.yml');
    writeFileSync(bad, `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n  min_version: TLS9\n`);
    const p = await startPromwasm(join(root, 'bad-data'), [`--web.config.file=${bad}`]);
    expect(await exited(p.proc)).toBe(1);
    expect(p.output()).toContain('msg="Unable to validate web configuration file" err="tls_server_config.min_version: unknown TLS version: TLS9');
  });

  it.skipIf(!HAS_PROMETHEUS)('Prometheus 2.42 remote-writes over TLS with basic auth; a wrong password gets 401, a missing client certificate fails the handshake', async () => {
    const data = join(root, 'promwasm');
    const promwasm = await startPromwasm(data, [`--web.config.file=${webConfig}`]);
    const url = `https://127.0.0.1:${promwasm.port}/api/v1/write`;

    // The same checks from Node first: 401 with WWW-Authenticate, and no TLS session without a client certificate.
    const status = await new Promise<{ code: number; auth: string | undefined }>((done, fail) => {
      const req = httpsRequest(url, { method: 'POST', ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey), auth: 'writer:nope' }, (res) => {
        res.resume();
        done({ code: res.statusCode!, auth: res.headers['www-authenticate'] });
      });
      req.on('error', fail);
      req.end();
    });
    expect(status).toEqual({ code: 401, auth: 'Basic' });
    const refused = await new Promise<string>((done) => {
      const req = httpsRequest(url, { method: 'POST', ca: readFileSync(certs.caCert), auth: 'writer:rw-pass' }, (res) => done(`answered ${res.statusCode}`));
      req.on('error', (err: NodeJS.ErrnoException) => done(`error ${err.code}`));
      req.end();
    });
    expect(refused).toMatch(/^error /);

    const port = await freePort();
    const config = join(root, 'prometheus.yml');
    const tls = (withCert: boolean): string =>
      `    tls_config: { ca_file: ${certs.caCert}${withCert ? `, cert_file: ${certs.clientCert}, key_file: ${certs.clientKey}` : ''} }`;
    const queue = '    queue_config: { batch_send_deadline: 200ms, max_samples_per_send: 500, min_backoff: 100ms, max_backoff: 200ms }';
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: prometheus',
        `    static_configs: [{ targets: ["127.0.0.1:${port}"] }]`,
        'remote_write:',
        `  - url: ${url}`,
        '    name: good',
        '    basic_auth: { username: writer, password: rw-pass }',
        tls(true),
        queue,
        `  - url: ${url}`,
        '    name: badpass',
        '    basic_auth: { username: writer, password: wrong }',
        tls(true),
        queue,
        `  - url: ${url}`,
        '    name: nocert',
        '    basic_auth: { username: writer, password: rw-pass }',
        tls(false),
        queue,
        '',
      ].join('\n'),
    );
    const prom = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(root, 'prometheus')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: 'ignore',
    });
    let self = '';
    try {
      const done = (): boolean =>
        remoteMetric(self, 'prometheus_remote_storage_samples_total', 'good') >= 1000 &&
        remoteMetric(self, 'prometheus_remote_storage_samples_failed_total', 'badpass') > 0 &&
        remoteMetric(self, 'prometheus_remote_storage_samples_retried_total', 'nocert') > 0;
      for (let waited = 0; waited < 60_000 && !done(); waited += 1000) {
        await new Promise((r) => setTimeout(r, 1000));
        self = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
      }
    } finally {
      prom.kill('SIGTERM');
      await exited(prom);
      promwasm.proc.kill('SIGTERM');
      expect(await exited(promwasm.proc), promwasm.output()).toBe(0);
    }
    // The right credentials: everything sent, nothing failed or retried.
    const remote = self.split('\n').filter((l) => l.startsWith('prometheus_remote_storage_samples_')).join('\n');
    const good = remoteMetric(self, 'prometheus_remote_storage_samples_total', 'good');
    expect(good, remote).toBeGreaterThanOrEqual(1000);
    expect(remoteMetric(self, 'prometheus_remote_storage_samples_failed_total', 'good')).toBe(0);
    // A wrong password: 401, which Prometheus does not retry.
    expect(remoteMetric(self, 'prometheus_remote_storage_samples_failed_total', 'badpass'), remote).toBeGreaterThan(0);
    expect(remoteMetric(self, 'prometheus_remote_storage_samples_retried_total', 'badpass'), remote).toBe(0);
    // No client certificate: the TLS handshake fails, a network error Prometheus keeps retrying.
    expect(remoteMetric(self, 'prometheus_remote_storage_samples_retried_total', 'nocert'), remote).toBeGreaterThan(0);
    expect(remoteMetric(self, 'prometheus_remote_storage_samples_failed_total', 'nocert'), remote).toBe(0);

    // What the good queue sent is stored: Prometheus's own series, scraped every second.
    const all = runCli(['tsdb', 'dump', data]);
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(good);
    const dump = runCli(['tsdb', 'dump', '--match={__name__="prometheus_build_info"}', data]);
    const lines = dump.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^\{__name__="prometheus_build_info", .*instance="127\.0\.0\.1:\d+", job="prometheus".*version="2\.42\.0[^"]*"\} 1 \d+$/);
  }, 150_000);
});
