import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_SOURCE, DEFAULT_CONFIG_YAML, loadConfig, parseConfig } from '../../src/config/default-config.js';
import { outOfOrderTimeWindowMs } from '../../src/server/server.js';

function configError(text: string): ConfigError {
  try {
    parseConfig(text, 'p.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('the embedded default configuration', () => {
  it('is used without --config.file and reads like Prometheus packaged prometheus.yml', async () => {
    const loaded = await loadConfig(undefined);
    expect(loaded.source).toBe(DEFAULT_CONFIG_SOURCE);
    expect(loaded.text).toBe(DEFAULT_CONFIG_YAML);
    expect(loaded.config).toEqual({
      global: { scrape_interval: '15s', evaluation_interval: '15s' },
      scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] }],
    });
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-config-'));

  it('reads a file', async () => {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, 'global:\n  scrape_interval: 1m\nstorage:\n  tsdb:\n    out_of_order_time_window: 30m\n');
    const loaded = await loadConfig(file);
    expect(loaded.source).toBe(file);
    expect(loaded.config['global']).toEqual({ scrape_interval: '1m' });
    expect(outOfOrderTimeWindowMs(loaded)).toBe(30 * 60_000);
  });

  it('names a file it cannot read', async () => {
    const file = join(dir, 'missing.yml');
    await expect(loadConfig(file)).rejects.toThrow(`reading ${file}: ENOENT`);
  });

  it('takes an empty file as an empty configuration', async () => {
    const file = join(dir, 'empty.yml');
    writeFileSync(file, '# nothing here\n');
    expect((await loadConfig(file)).config).toEqual({});
  });
});

describe('YAML errors carry line and column', () => {
  it.each([
    ['global:\n  a: 1\n b: 2\n', 3, 1, 'All mapping items must start at the same column'],
    ['a: 1\na: 2\n', 2, 1, 'Map keys must be unique'],
    ['\tfoo: 1\n', 1, 1, 'Tabs are not allowed as indentation'],
    ['a: b: c\n', 1, 4, 'Nested mappings are not allowed in compact mappings'],
  ])('%j', (text, line, column, reason) => {
    const err = configError(text);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toBe(`parsing YAML file p.yml: line ${line}, column ${column}: ${reason}`);
  });

  it('refuses a document that is not a mapping', () => {
    expect(configError('- a\n- b\n').message).toBe('parsing YAML file p.yml: the configuration must be a mapping, not a sequence');
    expect(configError('42\n').message).toBe('parsing YAML file p.yml: the configuration must be a mapping, not a number');
  });

  it('refuses alias bombs instead of expanding them', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(configError(text).message).toMatch(/^parsing YAML file p\.yml: Excessive alias count/);
  });
});

describe('storage.tsdb.out_of_order_time_window', () => {
  it('is 0 when absent', () => {
    expect(outOfOrderTimeWindowMs(parseConfig('global: {}\n', 'p.yml'))).toBe(0);
    expect(outOfOrderTimeWindowMs(parseConfig('storage:\n', 'p.yml'))).toBe(0);
  });

  it('must be a duration, as Prometheus reads it (a bare number is the string "5")', () => {
    expect(() => parseConfig('storage: {tsdb: {out_of_order_time_window: 5}}\n', 'p.yml')).toThrow(
      'p.yml: storage.tsdb.out_of_order_time_window: not a valid duration string: "5"',
    );
    expect(() => parseConfig('storage: {tsdb: {out_of_order_time_window: 5x}}\n', 'p.yml')).toThrow(
      'p.yml: storage.tsdb.out_of_order_time_window: not a valid duration string: "5x"',
    );
    expect(outOfOrderTimeWindowMs(parseConfig('storage: {tsdb: {out_of_order_time_window: 90m}}\n', 'p.yml'))).toBe(90 * 60_000);
  });
});
