// The HTTP client's headers, TLS settings and answer classification, Retry-After parsing, and the
// shard count arithmetic (Go's calculateDesiredShards).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { RemoteWriteClient, requestHeaders, retryAfterMs } from '../../../src/remote/write/index.js';
import { EwmaRate, desiredShards } from '../../../src/remote/write/shard-scaling.js';
import { FakeUpstream } from './fake-upstream.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-client-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function clientFor(url: string, yaml: string, retryOnRateLimit = false): RemoteWriteClient {
  const rw = parseConfig(`remote_write:\n  - url: ${url}\n${yaml}`, join(root, 'p.yml')).prometheus.remoteWrite[0]!;
  return new RemoteWriteClient({
    url, timeoutMs: 500, headers: rw.headers, httpClient: rw.httpClient, retryOnRateLimit, protocolHeaders: requestHeaders('prometheus.WriteRequest'),
  });
}

const EMPTY = new Uint8Array([0]); // snappy of an empty WriteRequest

describe('RemoteWriteClient', () => {
  it('sends the protocol headers, custom headers and basic auth (password from a file)', async () => {
    const up = new FakeUpstream();
    await up.start();
    writeFileSync(join(root, 'pw'), 'secret\n');
    const c = clientFor(up.url, `    headers: {X-Scope-OrgID: tenant-1}\n    basic_auth: {username: u, password_file: ${join(root, 'pw')}}\n`);
    expect(await c.store(EMPTY)).toEqual({ ok: true, status: 204 });
    const h = up.requests[0]!.headers;
    expect(h['x-scope-orgid']).toBe('tenant-1');
    expect(h.authorization).toBe(`Basic ${Buffer.from('u:secret').toString('base64')}`);
    expect(h['content-encoding']).toBe('snappy');
    expect(h['user-agent']).toBe('Prometheus/2.42.0');
    const bearer = clientFor(up.url, '    authorization: {credentials: tok}\n');
    await bearer.store(EMPTY);
    expect(up.requests[1]!.headers.authorization).toBe('Bearer tok');
    c.close();
    bearer.close();
    await up.stop();
  });

  it('classifies answers as Prometheus does', async () => {
    const up = new FakeUpstream();
    await up.start();
    const c = clientFor(up.url, '');
    const r429 = clientFor(up.url, '', true);
    up.script.push({ status: 500, body: 'first line\nsecond' }, { status: 400, body: 'out of order sample' }, { status: 429 });
    up.script.push({ status: 429, headers: { 'Retry-After': '7' } });
    expect(await c.store(EMPTY)).toMatchObject({ ok: false, recoverable: true, status: 500, message: 'server returned HTTP status 500 Internal Server Error: first line' });
    expect(await c.store(EMPTY)).toMatchObject({ ok: false, recoverable: false, status: 400, message: 'server returned HTTP status 400 Bad Request: out of order sample' });
    expect(await c.store(EMPTY)).toMatchObject({ ok: false, recoverable: false, status: 429 });
    expect(await r429.store(EMPTY)).toMatchObject({ ok: false, recoverable: true, status: 429, retryAfterMs: 7000 });
    await up.stop();
    expect(await c.store(EMPTY)).toMatchObject({ ok: false, recoverable: true, status: undefined });
    c.close();
    r429.close();
  });

  it('parses Retry-After as seconds or an HTTP date; anything else means the backoff', () => {
    const now = Date.parse('Wed, 25 Nov 2026 03:00:00 GMT');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Wed, 25 Nov 2026 03:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 02:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBe(0);
    expect(retryAfterMs('-5', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBe(0);
  });
});

describe('shard scaling', () => {
  it('keeps the count inside the tolerance band and scales with the backlog', () => {
    const base = { current: 4, minShards: 1, maxShards: 50, inRate: 10_000, outRate: 10_000, droppedRate: 0, outDurationRate: 4, backlog: 0 };
    // 4 shards busy all the time for 10k/s: exactly what is needed.
    expect(desiredShards(base)).toEqual({ desired: 4, shards: 4 });
    // A backlog of 200k items: catch up 5% per second -> 4 * (10k + 10k) / 10k = 8.
    expect(desiredShards({ ...base, backlog: 200_000 }).shards).toBe(8);
    expect(desiredShards({ ...base, backlog: 20_000_000 }).shards).toBe(50);
    // Idle shards: fewer, but not while more than ten seconds of input wait.
    expect(desiredShards({ ...base, outDurationRate: 1 }).shards).toBe(1);
    expect(desiredShards({ ...base, outDurationRate: 1, backlog: 200_000 }).shards).toBe(4);
    // Nothing sent yet: keep the count.
    expect(desiredShards({ ...base, outRate: 0 }).shards).toBe(4);
  });

  it('ticks an exponentially weighted rate', () => {
    const r = new EwmaRate(0.2, 10_000);
    r.add(1000);
    r.tick();
    expect(r.rate()).toBe(100);
    r.add(2000);
    r.tick();
    expect(r.rate()).toBe(120);
  });
});

const HAS_OPENSSL = spawnSync('openssl', ['version']).status === 0;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCerts(dir: string): void {
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca']);
  for (const who of ['server', 'client']) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`]);
    run(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '1', '-extfile', 'san.ext']);
  }
}

describe.skipIf(!HAS_OPENSSL)('RemoteWriteClient over TLS', () => {
  it('verifies the server with ca_file, presents cert_file/key_file, or skips verification when told', async () => {
    const dir = mkdtempSync(join(root, 'tls-'));
    makeCerts(dir);
    const read = (f: string): Buffer => readFileSync(join(dir, f));
    const seen: (string | undefined)[] = [];
    const server = createHttpsServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      seen.push((req.socket as TLSSocket).getPeerCertificate().subject?.CN);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
    const tls = (extra: string): string => `    tls_config: {cert_file: ${join(dir, 'client.crt')}, key_file: ${join(dir, 'client.key')}${extra}}\n`;
    const verified = clientFor(url, tls(`, ca_file: ${join(dir, 'ca.crt')}`));
    const unknownCa = clientFor(url, tls(''));
    const skipping = clientFor(url, tls(', insecure_skip_verify: true'));
    expect(await verified.store(EMPTY)).toEqual({ ok: true, status: 204 });
    expect(await unknownCa.store(EMPTY)).toMatchObject({ ok: false, recoverable: true, status: undefined });
    expect(await skipping.store(EMPTY)).toEqual({ ok: true, status: 204 });
    expect(seen).toEqual(['client', 'client']);
    for (const c of [verified, unknownCa, skipping]) c.close();
    server.close();
  });
});
