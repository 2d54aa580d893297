import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('without --web.enable-lifecycle', () => {
  it.each([
    ['POST', '/-/quit'],
    ['PUT', '/-/quit'],
    ['POST', '/-/reload'],
    ['PUT', '/-/reload'],
  ] as const)('%s %s is 403', async (method, url) => {
    t = testApp();
    const res = await t.app.inject({ method, url });
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Lifecycle API is not enabled.');
    expect(t.quits).toEqual([]);
  });
});

describe('with --web.enable-lifecycle', () => {
  it('quits once, and says so on later requests', async () => {
    t = testApp({ lifecycle: true });
    const first = await t.app.inject({ method: 'POST', url: '/-/quit' });
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('Requesting termination... Goodbye!');
    const second = await t.app.inject({ method: 'PUT', url: '/-/quit' });
    expect(second.body).toBe('Termination already in progress.');
    expect(t.quits).toHaveLength(1);
  });

  it('reloads, and reports a failed reload as 500', async () => {
    let fail = false;
    let reloads = 0;
    t = testApp({
      lifecycle: true,
      reload: async () => {
        reloads++;
        if (fail) throw new Error('parsing YAML file p.yml: line 1, column 1: bad');
      },
    });
    expect((await t.app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    fail = true;
    const res = await t.app.inject({ method: 'PUT', url: '/-/reload' });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('failed to reload config: parsing YAML file p.yml: line 1, column 1: bad');
    expect(reloads).toBe(2);
  });
});

describe.each([false, true])('GET on a lifecycle endpoint (enabled: %s)', (enabled) => {
  it.each(['/-/quit', '/-/reload'])('%s is 405', async (url) => {
    t = testApp({ lifecycle: enabled });
    const res = await t.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(405);
    expect(res.body).toBe('Only POST or PUT requests allowed');
  });
});
