import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { remoteWritePlugin } from '../../src/remote/write-handler.js';
import { fixtureBody } from './fixtures.js';
import { compress, post, V1_HEADERS, writeServer } from './handler-helpers.js';
import { MemoryAppendable } from './memory-appendable.js';

describe('remote write HTTP edge', () => {
  it('chooses the message by the Content-Type proto parameter, leniently', async () => {
    // A request replayed against the same store would be out of order: one store per request.
    const body = fixtureBody('000');
    const accepted = [
      undefined,
      '',
      'application/x-protobuf',
      'Application/X-Protobuf',
      'application/x-protobuf;proto=prometheus.WriteRequest',
      'application/x-protobuf; proto=prometheus.WriteRequest',
      'application/x-protobuf;proto="prometheus.WriteRequest"',
      'application/x-protobuf; charset=utf-8',
    ];
    for (const ct of accepted) {
      const headers: Record<string, string> = { 'content-encoding': 'snappy' };
      if (ct !== undefined) headers['content-type'] = ct;
      const db = new MemoryAppendable();
      expect([ct, (await post(await writeServer(db), body, headers)).statusCode]).toEqual([ct, 204]);
      expect(db.totalSamples()).toBe(500);
    }
    const app = await writeServer(new MemoryAppendable());
    const refused: [string, string][] = [
      ['application/json', 'expected application/x-protobuf as the first (media) part, got application/json content-type'],
      ['text/plain; proto=prometheus.WriteRequest', 'expected application/x-protobuf as the first (media) part, got text/plain; proto=prometheus.WriteRequest content-type'],
      ['garbage', 'expected application/x-protobuf as the first (media) part, got garbage content-type'],
      ['application/x-protobuf;proto=io.prometheus.write.v3.Request', 'got application/x-protobuf;proto=io.prometheus.write.v3.Request content type; unknown remote write protobuf message io.prometheus.write.v3.Request, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request'],
    ];
    for (const [ct, message] of refused) {
      const res = await post(app, body, { 'content-encoding': 'snappy', 'content-type': ct });
      expect([ct, res.statusCode, res.body, res.headers['content-type']]).toEqual([ct, 415, `${message}\n`, 'text/plain; charset=utf-8']);
    }
  });

  it('accepts an empty or snappy Content-Encoding, refuses others with 415', async () => {
    for (const enc of ['', 'snappy', 'SNAPPY']) {
      const app = await writeServer(new MemoryAppendable());
      expect((await post(app, fixtureBody('001'), { ...V1_HEADERS, 'content-encoding': enc })).statusCode).toBe(204);
    }
    const app = await writeServer(new MemoryAppendable());
    const res = await post(app, fixtureBody('001'), { ...V1_HEADERS, 'content-encoding': 'gzip' });
    expect([res.statusCode, res.body]).toEqual([415, 'gzip encoding (compression) is not accepted by this server; only snappy is acceptable\n']);
  });

  it('answers 400 "snappy: corrupt input" for bodies that are not snappy blocks, the framed format included', async () => {
    const app = await writeServer(new MemoryAppendable());
    const framed = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
    for (const body of [Buffer.alloc(0), Buffer.from([0x0a, 0x04, 0x01]), framed, fixtureBody('002').subarray(0, 500), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])]) {
      const res = await post(app, body);
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/^snappy: corrupt input.*\n$/);
    }
    expect((await post(app, Buffer.from([0x00]))).statusCode).toBe(204);
  });

  it('refuses, before decompressing, a snappy block that announces more than maxDecodedBytes', async () => {
    const app = await writeServer(new MemoryAppendable(), { maxDecodedBytes: 60_000 });
    const res = await post(app, fixtureBody('000'));
    expect([res.statusCode, res.body]).toEqual([400, 'snappy: decoded length 65793 exceeds the limit of 60000 bytes\n']);
    const huge = await post(app, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    expect(huge.body).toBe('snappy: decoded length 4294967295 exceeds the limit of 60000 bytes\n');
  });

  it('answers 413 for a body over maxBodyBytes, with or without Content-Length', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db, { maxBodyBytes: 5000 });
    const res = await post(app, fixtureBody('000'));
    expect([res.statusCode, res.body, res.headers['content-type']]).toEqual([413, 'request body too large: the limit is 5000 bytes\n', 'text/plain; charset=utf-8']);
    const { Readable } = await import('node:stream');
    const chunked = await app.inject({
      method: 'POST', url: '/api/v1/write', headers: { ...V1_HEADERS, 'transfer-encoding': 'chunked' },
      payload: Readable.from([fixtureBody('000')]),
    });
    expect(chunked.statusCode).toBe(413);
    expect(db.totalSamples()).toBe(0);
    expect((await post(app, compress(new Uint8Array(0)))).statusCode).toBe(204);
  });

  it('validates its options once, at registration', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'options.appendable must be an Appendable'],
      [{ appendable: {} }, 'options.appendable must be an Appendable'],
      [{ appendable: new MemoryAppendable(), maxBodyBytes: 0 }, 'options.maxBodyBytes must be a positive integer, got 0'],
      [{ appendable: new MemoryAppendable(), maxDecodedBytes: 1.5 }, 'options.maxDecodedBytes must be a positive integer, got 1.5'],
      [{ appendable: new MemoryAppendable(), logger: { debug() {} } }, 'options.logger must have debug, warn and error methods'],
      [{ appendable: new MemoryAppendable(), now: 5 }, 'options.now must be a function'],
    ];
    for (const [options, message] of bad) {
      const app = Fastify();
      await expect(app.register(remoteWritePlugin, options as never).ready()).rejects.toThrow(message);
    }
  });

  it('keeps its body handling to itself: sibling routes still parse JSON', async () => {
    const app = Fastify();
    app.post('/json', async (request) => ({ got: request.body }));
    await app.register(remoteWritePlugin, { appendable: new MemoryAppendable() });
    const res = await app.inject({ method: 'POST', url: '/json', payload: { a: 1 } });
    expect([res.statusCode, res.json()]).toEqual([200, { got: { a: 1 } }]);
  });

  it('logs through the given logger', async () => {
    const lines: string[] = [];
    const logger = { debug: (_o: object, m: string) => lines.push(`debug ${m}`), warn: (_o: object, m: string) => lines.push(`warn ${m}`), error: (_o: object, m: string) => lines.push(`error ${m}`) };
    const db = new MemoryAppendable();
    db.faults.sample = () => new Error('boom');
    const app = await writeServer(db, { logger });
    await post(app, fixtureBody('000'));
    expect(lines).toEqual(['error Error appending remote write']);
  });
});
