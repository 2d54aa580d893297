import { describe, expect, it } from 'vitest';
import { createLogger, jsonLineToLogfmt } from '../../src/logging.js';
import { LogCapture } from './helpers.js';

describe('createLogger', () => {
  it('writes logfmt like Prometheus: ts, level, component, msg, then fields', () => {
    const sink = new LogCapture();
    const logger = createLogger({ level: 'info', format: 'logfmt', sink });
    logger.child({ component: 'web' }).info({ address: '127.0.0.1:9090' }, 'Start listening for connections');
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).toMatch(
      /^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info component=web msg="Start listening for connections" address=127\.0\.0\.1:9090\n$/,
    );
  });

  it('writes one JSON object per line in json format', () => {
    const sink = new LogCapture();
    createLogger({ level: 'info', format: 'json', sink }).warn({ n: 1 }, 'hello');
    const record = JSON.parse(sink.lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'warn', n: 1, msg: 'hello' });
    expect(typeof record['ts']).toBe('string');
    expect(Object.keys(record)).not.toContain('pid');
  });

  it.each([
    ['debug', 4],
    ['info', 3],
    ['warn', 2],
    ['error', 1],
  ] as const)('--log.level=%s keeps %d of 4 levels', (level, kept) => {
    const sink = new LogCapture();
    const logger = createLogger({ level, format: 'logfmt', sink });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(sink.lines).toHaveLength(kept);
  });
});

describe('jsonLineToLogfmt', () => {
  it('quotes values with spaces, quotes, equals signs, control characters, or nothing at all', () => {
    const line = JSON.stringify({ level: 'info', ts: 'T', msg: 'a "b"', plain: 'x', eq: 'a=b', nl: 'a\nb', empty: '', n: 1.5, ok: true, nothing: null });
    expect(jsonLineToLogfmt(line)).toBe('ts=T level=info msg="a \\"b\\"" plain=x eq="a=b" nl="a\\nb" empty="" n=1.5 ok=true nothing=null\n');
  });

  it('prints a serialized error as its message and other objects as JSON', () => {
    const line = JSON.stringify({ level: 'error', err: { type: 'Error', message: 'open x: no such file', stack: 'Error: ...' }, o: { a: 1 } });
    expect(jsonLineToLogfmt(line)).toBe('level=error err="open x: no such file" o="{\\"a\\":1}"\n');
  });

  it('keeps keys on one token and passes through what is not JSON', () => {
    expect(jsonLineToLogfmt(JSON.stringify({ 'a b=c': 1 }))).toBe('a_b_c=1\n');
    expect(jsonLineToLogfmt('not json\n')).toBe('not json\n');
  });
});
