import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/default-config.js';
import { Prng } from '../helpers/prng.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/config');

const SEED_TEXT = `global:
  scrape_interval: 15s
  external_labels: {a: b}
scrape_configs:
  - job_name: x
    params: {m: [a]}
    relabel_configs:
      - {source_labels: [a, b], regex: "f(.*)", target_label: t, replacement: "$1", action: replace}
      - action: hashmod
        modulus: 4
        target_label: h
    static_configs:
      - targets: ['a:1']
        labels: {k: v}
    basic_auth: {username: u, password: p}
    tls_config: {min_version: TLS12}
    file_sd_configs: [{files: [a.json]}]
    http_sd_configs: [{url: "http://a/b"}]
remote_write:
  - url: http://a/w
    queue_config: {capacity: 10}
    write_relabel_configs: [{action: labeldrop, regex: x}]
alerting: {alertmanagers: [{static_configs: [{targets: [am]}]}]}
storage: {tsdb: {out_of_order_time_window: 1h}}
tracing: {endpoint: a}
`;

// Pieces that make YAML and Prometheus unhappy in interesting ways.
const TOKENS = ['\n', ' ', '  ', '-', ':', '{', '}', '[', ']', ',', '"', "'", '&a ', '*a', '<<: ', '!!int ', '!!str ', '? ', '|', '>', '#', '~', 'null', '0x', '1e9', '-1', '.inf', 'yes', '$1', '(', '\\', '\t', '%', '@', '`', '\u0000', 'é'];

function mutate(text: string, prng: Prng): string {
  let s = text;
  for (let n = prng.int(1, 6); n > 0; n--) {
    const at = prng.int(0, s.length);
    const r = prng.int(0, 2);
    if (r === 0) s = s.slice(0, at) + TOKENS[prng.int(0, TOKENS.length - 1)] + s.slice(at);
    else if (r === 1) s = s.slice(0, at) + s.slice(at + prng.int(1, 8));
    else s = s.slice(0, at) + s.slice(prng.int(0, s.length)).slice(0, prng.int(0, 40)) + s.slice(at);
  }
  return s;
}

describe('seeded mutations of valid configurations', () => {
  const seeds = [SEED_TEXT, readFileSync(join(FIXTURES, 'remote-write.yml'), 'utf8'), readFileSync(join(FIXTURES, 'wal-plain.yml'), 'utf8')];

  it('every mutation loads or fails with a ConfigError that has a message (no crash, no hang)', () => {
    const prng = new Prng(0xc0_f1_90);
    let failed = 0;
    let loaded = 0;
    for (let i = 0; i < 2500; i++) {
      const text = mutate(seeds[i % seeds.length]!, prng);
      try {
        parseConfig(text, 'fuzz.yml');
        loaded++;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw new Error(`case ${i}: ${(err as Error).stack}\n--- input ---\n${text}`);
        expect(err.message).toMatch(/^parsing YAML file fuzz\.yml: ./);
        failed++;
      }
    }
    expect(loaded).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(600);
  });
});
