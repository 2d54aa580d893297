import type { FastifyPluginAsync } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { NotReadyError, WebError, defineWebError, webErrors } from '../../src/web/errors.js';
import { sampleValue, testApp, type TestApp } from './helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

/** A stand-in for an API plugin such as the remote-write receiver. */
const writePlugin: FastifyPluginAsync<{ answer: string }> = async (app, options) => {
  app.post('/write', async (_request, reply) => reply.code(204).send());
  app.get('/answer', async () => options.answer);
};

describe('extra plugins', () => {
  it('are mounted under their prefix with their options, behind the ready gate', async () => {
    t = testApp({ plugins: [{ plugin: writePlugin, prefix: '/api/v1', options: { answer: '42' } }] });
    const early = await t.app.inject({ method: 'POST', url: '/api/v1/write', payload: 'x', headers: { 'content-type': 'text/plain' } });
    expect(early.statusCode).toBe(503);
    expect(early.body).toBe('Service Unavailable');

    t.readiness.set(true);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/write', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/answer' })).body).toBe('42');
  });

  it('may opt out of the ready gate', async () => {
    t = testApp({ plugins: [{ plugin: writePlugin, prefix: '/api/v1', options: { answer: 'a' }, requiresReady: false }] });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/answer' })).statusCode).toBe(200);
  });

  it('keep the ready gate to their own routes', async () => {
    t = testApp({ plugins: [{ plugin: writePlugin, prefix: '/api/v1', options: { answer: 'a' } }] });
    expect((await t.app.inject({ method: 'GET', url: '/-/healthy' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('are counted under their full route pattern', async () => {
    t = testApp({ plugins: [{ plugin: writePlugin, prefix: '/api/v1', options: { answer: 'a' } }] });
    t.readiness.set(true);
    await t.app.inject({ method: 'POST', url: '/api/v1/write', payload: 'x', headers: { 'content-type': 'text/plain' } });
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sampleValue(body, 'prometheus_http_requests_total{code="204",handler="/api/v1/write"}')).toBe(1);
  });
});

describe('error rendering', () => {
  const TeapotError = defineWebError('PROMWASM_TEST_TEAPOT', 418, 'short and stout: %s');
  const failing: FastifyPluginAsync = async (app) => {
    app.get('/coded', async () => {
      throw new TeapotError('spout');
    });
    app.get('/crash', async () => {
      throw new Error('boom');
    });
    app.post('/json', async (request) => request.body);
  };

  it('answers coded errors with their status and message as plain text, without logging them', async () => {
    t = testApp({ plugins: [{ plugin: failing, requiresReady: false }] });
    const res = await t.app.inject({ method: 'GET', url: '/coded' });
    expect(res.statusCode).toBe(418);
    expect(res.body).toBe('short and stout: spout');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(t.logs.join('')).not.toContain('request failed');
  });

  it('answers unexpected errors with 500 and logs them', async () => {
    t = testApp({ plugins: [{ plugin: failing, requiresReady: false }] });
    const res = await t.app.inject({ method: 'GET', url: '/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('boom');
    const logged = t.logs.map((l) => JSON.parse(l) as { level: string; msg: string; component?: string });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', msg: 'request failed', component: 'web' }));
  });

  it("passes fastify's client errors through with their status", async () => {
    t = testApp({ plugins: [{ plugin: failing, requiresReady: false }] });
    const res = await t.app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{bad' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});

describe('the error registry', () => {
  it('holds unique codes with client or server statuses and non-empty messages', () => {
    const all = [...webErrors().values()];
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const E of all) {
      expect(E.code).toMatch(/^PROMWASM_[A-Z_]+$/);
      expect(E.statusCode).toBeGreaterThanOrEqual(400);
      expect(E.statusCode).toBeLessThan(600);
      const instance = new E('detail');
      expect(instance).toBeInstanceOf(WebError);
      expect(instance.code).toBe(E.code);
      expect(instance.message.length).toBeGreaterThan(0);
    }
  });

  it('keeps the Prometheus texts', () => {
    expect(new NotReadyError().message).toBe('Service Unavailable');
    expect(NotReadyError.statusCode).toBe(503);
  });

  it('refuses a code defined twice or a status that is not an error', () => {
    expect(() => defineWebError('PROMWASM_NOT_READY', 503, 'again')).toThrow('defined twice');
    expect(() => defineWebError('PROMWASM_TEST_OK', 200, 'fine')).toThrow('bad status 200');
  });
});
