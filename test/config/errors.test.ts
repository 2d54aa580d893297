import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/default-config.js';

function configError(text: string): ConfigError {
  try {
    parseConfig(text, 'p.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('failed checks name the field, the line and the column', () => {
  // [yaml, path, Prometheus's message, line, column]
  it.each<[string, string, string, number, number]>([
    ['scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n', 'scrape_configs[0].relabel_configs[0]', 'relabel configuration for hashmod requires non-zero modulus', 4, 9],
    ['scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: nope\n', 'scrape_configs[0].relabel_configs[0].action', 'unknown relabel action "nope"', 4, 17],
    ['scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: \'(\'\n', 'scrape_configs[0].relabel_configs[0].regex', 'error parsing regexp: missing closing ): `^(?:()$`', 4, 16],
    ['global:\n  scrape_interval: 1m\n  scrape_timeout: 2m\n', 'global.scrape_timeout', 'global scrape timeout greater than scrape interval', 3, 19],
    ['scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    scrape_timeout: 20s\n', 'scrape_configs[0].scrape_timeout', 'scrape timeout greater than scrape interval for scrape config with job name "a"', 4, 21],
    ['scrape_configs:\n  - job_name: a\n  - job_name: a\n', 'scrape_configs[1].job_name', 'found multiple scrape configs with job name "a"', 3, 15],
    ['scrape_configs:\n  - scrape_interval: 10s\n', 'scrape_configs[0].job_name', 'job_name is empty', 2, 5],
    ['scrape_configs:\n  - job_name: a\n    bearer_token: a\n    bearer_token_file: b\n', 'scrape_configs[0]', 'at most one of bearer_token & bearer_token_file must be configured', 2, 5],
    ['scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS99}\n', 'scrape_configs[0].tls_config.min_version', 'unknown TLS version: TLS99', 3, 31],
    ['scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\'http://x\']\n', 'scrape_configs[0].static_configs', '"http://x" is not a valid hostname', 4, 7],
    ['scrape_configs:\n  - job_name: a\n    static_configs:\n      -\n', 'scrape_configs[0].static_configs[0]', 'empty or null section in static_configs', 4, 8],
    ['scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [a.txt]\n', 'scrape_configs[0].file_sd_configs[0].files', 'path name "a.txt" is not valid for file discovery', 4, 16],
    ['scrape_configs:\n  - job_name: a\n    http_sd_configs:\n      - url: ftp://x\n', 'scrape_configs[0].http_sd_configs[0].url', "URL scheme must be 'http' or 'https'", 4, 14],
    ['scrape_configs:\n  - job_name: a\n    scrape_interval: 5x\n', 'scrape_configs[0].scrape_interval', 'not a valid duration string: "5x"', 3, 22],
    ['scrape_configs:\n  - job_name: a\n    body_size_limit: 5\n', 'scrape_configs[0].body_size_limit', 'units: unknown unit  in 5', 3, 22],
    ['scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [a]\n        labels: {ok: 1, 1bad: 2}\n', 'scrape_configs[0].static_configs[0].labels', '"1bad" is not a valid label name', 5, 25],
    ['remote_write:\n  - url: http://a\n    headers: {User-Agent: x}\n', 'remote_write[0].headers', 'User-Agent is a reserved header. It must not be changed', 3, 14],
    ['remote_write:\n  - name: x\n', 'remote_write[0].url', 'url for remote_write is empty', 2, 5],
    ['remote_write:\n  - url: "://x"\n', 'remote_write[0].url', 'parse "://x": missing protocol scheme', 2, 10],
    ['remote_write:\n  - url: http://a\n    name: x\n  - url: http://b\n    name: x\n', 'remote_write[1].name', 'found multiple remote write configs with job name "x"', 5, 11],
    ['remote_write:\n  -\n', 'remote_write[0]', 'empty or null remote write config section', 2, 4],
    ['remote_read:\n  - read_recent: true\n', 'remote_read[0].url', 'url for remote_read is empty', 2, 5],
    ['rule_files: [\'a/*/b.yml\']\n', 'rule_files', 'invalid rule file path "a/*/b.yml"', 1, 13],
    ['global:\n  external_labels:\n    ok: 1\n    9bad: x\n', 'global.external_labels', '"9bad" is not a valid label name', 3, 5],
    ['storage:\n  tsdb:\n    out_of_order_time_window: 5\n', 'storage.tsdb.out_of_order_time_window', 'not a valid duration string: "5"', 3, 31],
    ['tracing: {insecure: true}\n', 'tracing', 'tracing endpoint must be set', 1, 10],
    ['alerting:\n  alertmanagers:\n    - api_version: v3\n', 'alerting.alertmanagers[0].api_version', 'expected Alertmanager api version to be one of [v1 v2] but got v3', 3, 20],
    ['x: &a [1]\nscrape_configs: &s [{job_name: x, relabel_configs: *s}]\n', 'scrape_configs[0].relabel_configs', "yaml: anchor 's' value contains itself", 2, 52],
  ])('%j', (text, path, reason, line, column) => {
    const err = configError(text);
    expect(err.message).toBe(`parsing YAML file p.yml: ${path}: ${reason} (line ${line}, column ${column})`);
    expect([err.path, err.line, err.column]).toEqual([path, line, column]);
  });
});

describe('type errors and unknown fields are collected as yaml.v2 reports them', () => {
  it('every one, in document order, with its line', () => {
    const err = configError('scrape_configs:\n  - job_name: a\n    x: 1\n    honor_labels: maybe\n    relabel_configs:\n      - y: 2\n  - job_name: b\n    sample_limit: -3\nfoo: bar\n');
    expect(err.message).toBe(
      'parsing YAML file p.yml: yaml: unmarshal errors:\n' +
        '  line 3: field x not found in type config.ScrapeConfig\n' +
        '  line 4: cannot unmarshal !!str `maybe` into bool\n' +
        '  line 6: field y not found in type relabel.plain\n' +
        '  line 8: cannot unmarshal !!int `-3` into uint\n' +
        '  line 9: field foo not found in type config.plain',
    );
    expect([err.line, err.column, err.path]).toEqual([3, 5, 'scrape_configs[0]']);
  });

  it('long values are cut as Go cuts them', () => {
    expect(configError('scrape_configs: [{job_name: a, sample_limit: abcdefghijklmnop}]\n').message).toContain('cannot unmarshal !!str `abcdefg...` into uint');
  });

  it('a failed check stops reading and wins over the type errors found before it', () => {
    const err = configError('scrape_configs:\n  - {job_name: a, x: 1}\n  - {job_name: b, relabel_configs: [{action: hashmod, target_label: t}]}\n');
    expect(err.message).toMatch(/^parsing YAML file p\.yml: scrape_configs\[1\]\.relabel_configs\[0\]: relabel configuration for hashmod requires non-zero modulus/);
  });

  it('a section with a type error skips its own checks', () => {
    expect(configError('scrape_configs:\n  - {x: 1}\n').message).toBe('parsing YAML file p.yml: yaml: unmarshal errors:\n  line 2: field x not found in type config.ScrapeConfig');
  });

  it('remote_write takes protobuf_message as 3.x does (2.42 has no such field): 1.0 by default, 2.0 when named, nothing else', () => {
    const message = (text: string): string => parseConfig(text, 'p.yml').prometheus.remoteWrite[0]!.protobufMessage;
    expect(message('remote_write: [{url: "http://a"}]\n')).toBe('prometheus.WriteRequest');
    expect(message('remote_write: [{url: "http://a", protobuf_message: io.prometheus.write.v2.Request}]\n')).toBe('io.prometheus.write.v2.Request');
    expect(configError('remote_write: [{url: "http://a", protobuf_message: v2}]\n').message).toBe(
      'parsing YAML file p.yml: remote_write[0].protobuf_message: unknown remote write protobuf message v2, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request (line 1, column 52)',
    );
  });
});

describe('hostile input', () => {
  it('an alias bomb is refused before it is expanded', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 10; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    expect(configError(text).message).toMatch(/Excessive alias count/);
  });

  it('deep nesting is an error, not a crash', () => {
    const text = 'scrape_configs: ' + '['.repeat(2000) + ']'.repeat(2000) + '\n';
    expect(() => parseConfig(text, 'p.yml')).toThrow(ConfigError);
  });
});
