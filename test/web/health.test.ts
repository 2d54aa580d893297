import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './helpers.js';

let t: TestApp;
afterEach(async () => {
  await t.app.close();
});

describe('/-/healthy', () => {
  it('answers 200 as soon as the app runs, ready or not', async () => {
    t = testApp();
    const res = await t.app.inject({ method: 'GET', url: '/-/healthy' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('Prometheus Server is Healthy.\n');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('answers HEAD without a body', async () => {
    t = testApp();
    const res = await t.app.inject({ method: 'HEAD', url: '/-/healthy' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('/-/ready', () => {
  it('is 503 "Service Unavailable" until ready, then 200, and 503 again when readiness drops', async () => {
    t = testApp();
    const before = await t.app.inject({ method: 'GET', url: '/-/ready' });
    expect(before.statusCode).toBe(503);
    expect(before.body).toBe('Service Unavailable');

    t.readiness.set(true);
    const ready = await t.app.inject({ method: 'GET', url: '/-/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.body).toBe('Prometheus Server is Ready.\n');

    t.readiness.set(false);
    expect((await t.app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(503);
  });

  it('answers HEAD with the same status', async () => {
    t = testApp();
    expect((await t.app.inject({ method: 'HEAD', url: '/-/ready' })).statusCode).toBe(503);
    t.readiness.set(true);
    expect((await t.app.inject({ method: 'HEAD', url: '/-/ready' })).statusCode).toBe(200);
  });

  it('does not log the expected 503s', async () => {
    t = testApp();
    await t.app.inject({ method: 'GET', url: '/-/ready' });
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe('unknown routes', () => {
  it("answer Go's 404 text", async () => {
    t = testApp();
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('404 page not found\n');
  });
});
