// The same files checked by the real promtool 2.42 and by `promwasm check config`: same exit code, same
// stdout, and the same error — ours adds the field's path and the line and column to Prometheus's text.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../../src/cli/check-config.js';
import { checkConfigFile } from '../../src/config/check.js';
import { PROMTOOL, PROMTOOL_MISSING } from '../helpers/promtool.js';

const run = promisify(execFile);
const FIXTURES = resolve(import.meta.dirname, '../fixtures/config');

/** [name, prometheus.yml]; names are file names. Cases marked "verdict:" compare only the outcome. */
const CASES: ReadonlyArray<[string, string]> = [
  // Valid configurations.
  ['empty', ''],
  ['comment-only', '# nothing\n'],
  ['global-null', 'global:\n'],
  ['fixture-wal-snappy', readFileSync(join(FIXTURES, 'wal-snappy.yml'), 'utf8')],
  ['fixture-wal-plain', readFileSync(join(FIXTURES, 'wal-plain.yml'), 'utf8')],
  ['fixture-remote-write', readFileSync(join(FIXTURES, 'remote-write.yml'), 'utf8')],
  ['fixture-scrape-request', readFileSync(join(FIXTURES, 'scrape-request.yml'), 'utf8')],
  [
    'full-scrape',
    `global: {scrape_interval: 15s, external_labels: {region: eu, replica: "0"}}
scrape_configs:
  - job_name: node
    honor_labels: yes
    honor_timestamps: off
    params: {module: [a, b]}
    scrape_interval: 30s
    scrape_timeout: 5s
    metrics_path: /probe
    scheme: https
    body_size_limit: 10MiB
    sample_limit: 1000
    target_limit: 0x10
    label_limit: 1e2
    label_name_length_limit: 017
    label_value_length_limit: 1_024
    basic_auth: {username: u, password: p}
    tls_config: {server_name: s, insecure_skip_verify: true, min_version: TLS12, max_version: TLS13}
    follow_redirects: false
    enable_http2: false
    proxy_url: http://proxy:3128
    proxy_connect_header: {X-A: [b]}
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: "exporter:9115"}
      - {action: Labelmap, regex: __meta_(.+)}
      - {action: hashmod, source_labels: [__address__], modulus: 8, target_label: __tmp_hash}
      - {action: keep, source_labels: [__tmp_hash], regex: "0|1|2|3|4|5|6|7"}
      - {action: lowercase, source_labels: [job], target_label: job_lower}
      - {action: uppercase, source_labels: [job], target_label: "\${1}_upper"}
      - {action: keepequal, source_labels: [job], target_label: job}
      - {action: dropequal, source_labels: [job], target_label: instance, separator: ";", replacement: "$1"}
      - {action: labelkeep, regex: ".*"}
      - {action: labeldrop, regex: "tmp_.*", source_labels: null}
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "go_.*|process_.*", action: drop}
      - {regex: "", target_label: empty_regex}
    static_configs:
      - targets: ["a:1", "b", "[::1]:9100"]
        labels: {env: prod}
      - targets: []
      - {}
    file_sd_configs:
      - files: [missing-dir/*.json]
        refresh_interval: 1m
    http_sd_configs:
      - url: https://sd.example/targets
        bearer_token: t
`,
  ],
  ['yaml-anchors', 'scrape_configs:\n  - &b {job_name: a, scrape_interval: 7s, metric_relabel_configs: &r [{action: drop, source_labels: [x]}]}\n  - {<<: *b, job_name: b}\n  - {job_name: c, metric_relabel_configs: *r}\n'],
  ['regex-dup-names', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(?P<n>a)|(?P<n>b)", source_labels: [x], target_label: y, replacement: $n}]}]\n'],
  ['regex-escapes-anchors', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "a)|(b", source_labels: [x], target_label: y}]}]\n'],
  ['regex-null', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: null, source_labels: [x], target_label: y}]}]\n'],
  ['relabel-fixes-url-target', 'scrape_configs: [{job_name: a, static_configs: [{targets: ["http://x:1"]}], relabel_configs: [{source_labels: [__address__], regex: "http://(.*)", target_label: __address__}]}]\n'],
  ['negative-float-limit', 'scrape_configs: [{job_name: a, sample_limit: -1.5}]\n'],
  ['huge-limit', 'scrape_configs: [{job_name: a, sample_limit: 18446744073709551615}]\n'],
  ['remote-full', `remote_write:
  - url: http://a/w
    name: one
    remote_timeout: 10s
    headers: {X-Scope-OrgID: t}
    send_exemplars: true
    send_native_histograms: true
    write_relabel_configs: [{action: labeldrop, regex: replica}]
    queue_config: {capacity: 10000, max_shards: 50, min_shards: 2, max_samples_per_send: 2000, batch_send_deadline: 10s, min_backoff: 100ms, max_backoff: 10s, retry_on_http_429: true}
    metadata_config: {send: false, send_interval: 2m, max_samples_per_send: 100}
    tls_config: {ca_file: ""}
  - url: http://b/w
    sigv4: {region: eu-west-1, access_key: a, secret_key: s, profile: p, role_arn: r}
  - url: http://c/w
    oauth2: {client_id: i, client_secret: s, token_url: http://t, scopes: [a], endpoint_params: {a: b}}
remote_read:
  - url: http://a/r
    read_recent: true
    required_matchers: {job: x}
    filter_external_labels: false
    name: r1
storage:
  tsdb: {out_of_order_time_window: 1h}
  exemplars: {max_exemplars: 0}
tracing: {client_type: http, endpoint: "otel:4318", sampling_fraction: 0.25, insecure: true, headers: {a: b}, compression: gzip, timeout: 5s}
alerting:
  alert_relabel_configs: [{action: labeldrop, regex: replica}]
  alertmanagers:
    - {scheme: https, path_prefix: /am, timeout: 5s, api_version: v1, static_configs: [{targets: ["am:9093"]}]}
`],
  // (Debian's promtool is built without the consul, kubernetes, kuma, linode and nomad mechanisms;
  // upstream Prometheus 2.42 and promwasm accept them.)
  ['other-sd', 'scrape_configs: [{job_name: k, ec2_sd_configs: [{region: eu-west-1}], dns_sd_configs: [{names: [a.example]}]}]\n'],

  // Refused when loading.
  ...([
    ['unknown-fields', 'global:\n  x1: 1\nfoo: 1\nscrape_configs:\n  - job_name: a\n    bar: 2\n    basic_auth: {username: u, x3: 1}\n    authorization: {x4: 1}\n    tls_config: {x5: 1}\n    static_configs:\n      - {targets: [a], baz: 1}\n    file_sd_configs: [{files: [a.json], x6: 1}]\n    http_sd_configs: [{url: "http://a/b", x7: 1}]\n    relabel_configs: [{x8: 1}]\n    oauth2: {client_id: a, client_secret: b, token_url: c, x19: 1}\nstorage: {x10: 1, tsdb: {x11: 1}, exemplars: {x12: 1}}\nremote_write: [{url: "http://a", x13: 1, queue_config: {x14: 1}, metadata_config: {x15: 1}, sigv4: {x16: 1}}]\nremote_read: [{url: "http://a", x17: 1}]\nalerting: {x18: 1, alertmanagers: [{x20: 1}]}\ntracing: {x22: 1, endpoint: a}\n'],
    ['type-errors', 'scrape_configs:\n  - job_name: [a]\n    honor_labels: "true"\n    sample_limit: -1\n    label_limit: abcdefghijklmnop\n    target_limit: .inf\n    scrape_interval: [1s]\n    static_configs: 5\n    relabel_configs: [{modulus: -1, source_labels: x}]\n    params: {a: b}\n    proxy_connect_header: {a: b}\n  - job_name: b\n    static_configs: [{targets: a, labels: {x: [1]}}]\n    basic_auth: {password: [1]}\n    tls_config: 5\nremote_write: [{url: "http://a", queue_config: {capacity: x}, headers: 5}]\nstorage: {exemplars: {max_exemplars: 1.5e40}}\n'],
    ['type-error-then-check', 'scrape_configs:\n  - {job_name: a, x: 1}\n  - {job_name: b, relabel_configs: [{action: hashmod, target_label: t}]}\n'],
    ['check-then-type-error', 'scrape_configs:\n  - {job_name: b, relabel_configs: [{action: hashmod, target_label: t}]}\n  - {job_name: a, x: 1}\n'],
    ['type-error-hides-own-check', 'scrape_configs:\n  - {x: 1}\n'],
    ['timestamp-into-uint', 'scrape_configs: [{job_name: a, sample_limit: 2001-12-14}]\n'],
    ['tag-mismatch', 'scrape_configs: [{job_name: a, sample_limit: !!int "x"}]\n'],
    ['ooo-number', 'storage: {tsdb: {out_of_order_time_window: 5}}\n'],
    ['quoted-null-duration', 'scrape_configs: [{job_name: a, scrape_interval: "null"}]\n'],
    ['Null-duration', 'scrape_configs: [{job_name: a, scrape_interval: Null}]\n'],
    ['body-no-unit', 'scrape_configs: [{job_name: a, body_size_limit: 1000}]\n'],
    ['body-bad-unit', 'scrape_configs: [{job_name: a, body_size_limit: 10mb}]\n'],
    ['action-empty', 'scrape_configs: [{job_name: a, relabel_configs: [{action: ""}]}]\n'],
    ['action-null', 'scrape_configs: [{job_name: a, relabel_configs: [{action: null}]}]\n'],
    ['action-unknown', 'scrape_configs: [{job_name: a, relabel_configs: [{action: foo}]}]\n'],
    ['hashmod-no-modulus', 'scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, target_label: x}]}]\n'],
    ['hashmod-templated-target', 'scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, modulus: 2, target_label: "${1}x"}]}]\n'],
    ['replace-no-target', 'scrape_configs: [{job_name: a, relabel_configs: [{source_labels: [a]}]}]\n'],
    ['replace-bad-target', 'scrape_configs: [{job_name: a, relabel_configs: [{target_label: "a-b"}]}]\n'],
    ['lowercase-replacement', 'scrape_configs: [{job_name: a, relabel_configs: [{action: lowercase, target_label: a, replacement: x}]}]\n'],
    ['labelmap-bad-replacement', 'scrape_configs: [{job_name: a, relabel_configs: [{action: labelmap, replacement: "a-b"}]}]\n'],
    ['keepequal-regex', 'scrape_configs: [{job_name: a, relabel_configs: [{action: keepequal, source_labels: [a], target_label: b, regex: "(.*)"}]}]\n'],
    ['dropequal-modulus', 'scrape_configs: [{job_name: a, relabel_configs: [{action: dropequal, source_labels: [a], target_label: b, modulus: 3}]}]\n'],
    ['labeldrop-source', 'scrape_configs: [{job_name: a, relabel_configs: [{action: labeldrop, source_labels: []}]}]\n'],
    ['labelkeep-separator', 'scrape_configs: [{job_name: a, relabel_configs: [{action: labelkeep, separator: ","}]}]\n'],
    ['source-label-invalid', 'scrape_configs: [{job_name: a, relabel_configs: [{source_labels: ["a-b"], target_label: x}]}]\n'],
    ['regex-missing-paren', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(", target_label: x}]}]\n'],
    ['regex-angle-group', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(?<n>a)", target_label: x}]}]\n'],
    ['regex-lookbehind', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(?<=a)b", target_label: x}]}]\n'],
    ['regex-backref', 'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(a)\\\\1", target_label: x}]}]\n'],
    ['global-timeout', 'global: {scrape_interval: 1m, scrape_timeout: 2m}\n'],
    ['job-timeout', 'scrape_configs: [{job_name: a, scrape_interval: 1m, scrape_timeout: 2m}]\n'],
    ['job-timeout-from-global', 'global: {scrape_timeout: 30s}\nscrape_configs: [{job_name: a, scrape_interval: 20s, scrape_timeout: 25s}]\n'],
    ['dup-job', 'scrape_configs: [{job_name: a}, {job_name: a}]\n'],
    ['no-job', 'scrape_configs: [{static_configs: [{targets: [a]}]}]\n'],
    ['null-scrape', 'scrape_configs: [null]\n'],
    ['null-static', 'scrape_configs: [{job_name: a, static_configs: [null]}]\n'],
    ['null-file-sd', 'scrape_configs: [{job_name: a, file_sd_configs: [~], static_configs: [~]}]\n'],
    ['null-other-sd', 'scrape_configs: [{job_name: a, dns_sd_configs: [null], azure_sd_configs: [null]}]\n'],
    ['null-relabel', 'scrape_configs: [{job_name: a, relabel_configs: [null]}]\n'],
    ['url-target', 'scrape_configs: [{job_name: a, static_configs: [{targets: ["http://a"]}]}]\n'],
    ['label-name', 'scrape_configs: [{job_name: a, static_configs: [{targets: [a], labels: {"1a": b}}]}]\n'],
    ['external-label', 'global: {external_labels: {"a-b": c}}\n'],
    ['rule-path', 'rule_files: ["a/*/b.yml"]\n'],
    ['file-sd-name', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [a.txt]}]}]\n'],
    ['file-sd-empty', 'scrape_configs: [{job_name: a, file_sd_configs: [{refresh_interval: 1m}]}]\n'],
    ['http-sd-scheme', 'scrape_configs: [{job_name: a, http_sd_configs: [{url: "ftp://x"}]}]\n'],
    ['http-sd-host', 'scrape_configs: [{job_name: a, http_sd_configs: [{url: "http:///p"}]}]\n'],
    ['http-sd-missing', 'scrape_configs: [{job_name: a, http_sd_configs: [{refresh_interval: 1m}]}]\n'],
    ['http-sd-bad-url', 'scrape_configs: [{job_name: a, http_sd_configs: [{url: "http://a b/"}]}]\n'],
    ['basic-auth-both', 'scrape_configs: [{job_name: a, basic_auth: {username: u, password: p, password_file: f}}]\n'],
    ['bearer-both', 'scrape_configs: [{job_name: a, bearer_token: a, bearer_token_file: b}]\n'],
    ['basic-and-bearer', 'scrape_configs: [{job_name: a, basic_auth: {username: u}, bearer_token: t}]\n'],
    ['authorization-and-bearer', 'scrape_configs: [{job_name: a, authorization: {credentials: c}, bearer_token: t}]\n'],
    ['authorization-both', 'scrape_configs: [{job_name: a, authorization: {credentials: c, credentials_file: f}}]\n'],
    ['authorization-basic', 'scrape_configs: [{job_name: a, authorization: {type: " BASIC "}}]\n'],
    ['authorization-and-basic', 'scrape_configs: [{job_name: a, authorization: {credentials: c}, basic_auth: {username: u}}]\n'],
    ['oauth2-no-id', 'scrape_configs: [{job_name: a, oauth2: {client_secret: s, token_url: t}}]\n'],
    ['oauth2-no-secret', 'scrape_configs: [{job_name: a, oauth2: {client_id: i, token_url: t}}]\n'],
    ['oauth2-and-basic', 'scrape_configs: [{job_name: a, oauth2: {client_id: i, client_secret: s, token_url: t}, basic_auth: {username: u}}]\n'],
    ['proxy-header-no-url', 'scrape_configs: [{job_name: a, proxy_connect_header: {X: [a]}}]\n'],
    ['proxy-url-bad', 'scrape_configs: [{job_name: a, proxy_url: "http://a:port"}]\n'],
    ['tls-version', 'scrape_configs: [{job_name: a, tls_config: {min_version: TLS99}}]\n'],
    ['rw-no-url', 'remote_write: [{name: x}]\n'],
    ['rw-url-scheme', 'remote_write: [{url: "://bad"}]\n'],
    ['rw-url-colon', 'remote_write: [{url: "a:b/c:d"}]\n'],
    ['rw-url-escape', 'remote_write: [{url: "http://a/%zz"}]\n'],
    ['rw-url-ctl', 'remote_write: [{url: "http://a/\\u0001"}]\n'],
    ['rw-url-host-char', 'remote_write: [{url: "http://a{b}/"}]\n'],
    ['rw-authorization-header', 'remote_write: [{url: "http://a", headers: {Authorization: x}}]\n'],
    ['rw-reserved-header', 'remote_write: [{url: "http://a", headers: {Content-Type: x}}]\n'],
    ['rw-dup-name', 'remote_write: [{url: "http://a", name: x}, {url: "http://b", name: x}]\n'],
    ['rw-null', 'remote_write: [null]\n'],
    ['rw-null-relabel', 'remote_write: [{url: "http://a", write_relabel_configs: [~]}]\n'],
    ['rw-sigv4-and-basic', 'remote_write: [{url: "http://a", sigv4: {region: r}, basic_auth: {username: u}}]\n'],
    ['rw-sigv4-half-credentials', 'remote_write: [{url: "http://a", sigv4: {access_key: k}}]\n'],
    ['rr-no-url', 'remote_read: [{read_recent: true}]\n'],
    ['rr-dup-name', 'remote_read: [{url: "http://a", name: x}, {url: "http://b", name: x}]\n'],
    ['tracing-no-endpoint', 'tracing: {insecure: true}\n'],
    ['tracing-client-type', 'tracing: {client_type: udp, endpoint: a}\n'],
    ['tracing-compression', 'tracing: {endpoint: a, compression: zstd}\n'],
    ['tracing-authorization', 'tracing: {endpoint: a, headers: {Authorization: x}}\n'],
    ['am-api-version', 'alerting: {alertmanagers: [{api_version: v3}]}\n'],
    ['am-null-relabel', 'alerting: {alertmanagers: [{relabel_configs: [~]}]}\n'],
    ['am-url-target', 'alerting: {alertmanagers: [{static_configs: [{targets: ["http://am"]}]}]}\n'],
    ['alert-null-relabel', 'alerting: {alert_relabel_configs: [null]}\n'],

    // Refused by promtool's checks after loading.
    ['target-bad-scheme', 'scrape_configs: [{job_name: a, scheme: ftp, static_configs: [{targets: [a]}]}]\n'],
    ['target-url-after-relabel', 'scrape_configs: [{job_name: a, static_configs: [{targets: ["http://a"]}], relabel_configs: [{action: keep, source_labels: [a]}]}]\n'],
    ['target-no-address', 'scrape_configs: [{job_name: a, static_configs: [{targets: [a]}], relabel_configs: [{target_label: __address__, replacement: ""}]}]\n'],
    ['target-interval-label', 'scrape_configs: [{job_name: a, static_configs: [{targets: [a], labels: {__scrape_interval__: 1x}}]}]\n'],
    ['target-timeout-label', 'scrape_configs: [{job_name: a, static_configs: [{targets: [a]}, {targets: [b], labels: {__scrape_timeout__: 5m}}]}]\n'],
    ['target-second-group', 'scrape_configs: [{job_name: a, static_configs: [{targets: [a]}, {targets: [b, c], labels: {__scrape_interval__: "0"}}]}]\n'],
    ['tls-cert-without-key', 'scrape_configs: [{job_name: a, tls_config: {cert_file: c.pem}}]\n'],
    ['tls-key-without-cert', 'scrape_configs: [{job_name: a, tls_config: {key_file: k.pem}}]\n'],
    ['tls-missing-files', 'scrape_configs: [{job_name: a, tls_config: {cert_file: nope.pem, key_file: nope.key}}]\n'],
    ['credentials-missing', 'scrape_configs: [{job_name: a, authorization: {credentials_file: nope.token}}]\n'],
    ['bearer-file-missing', 'scrape_configs: [{job_name: a, bearer_token_file: nope.token}]\n'],
    ['rule-file-missing', 'rule_files: [nope.yml]\n'],
    ['rule-glob-empty', 'rule_files: ["none-*.yml"]\n'],
    ['file-sd-good', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [sd/good.json, sd/good.yml, sd/none-*.yml]}]}]\n'],
    ['file-sd-bad-target', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [sd/bad-target.json]}]}]\n'],
    ['file-sd-bad-json', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: ["sd/bad-*.yaml"]}]}]\n'],
    ['file-sd-null-group', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [sd/null-group.json]}]}]\n'],
    ['file-sd-bad-label', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [sd/bad-label.yml]}]}]\n'],
    ['file-sd-unknown-field', 'scrape_configs: [{job_name: a, file_sd_configs: [{files: [sd/unknown-field.yml]}]}]\n'],
    ['am-file-sd', 'alerting: {alertmanagers: [{file_sd_configs: [{files: [sd/missing.yml, sd/am-bad.yml]}]}]}\n'],

    // Not mappings and YAML syntax errors: both refuse, in different words.
    ['verdict:sequence', '- a\n- b\n'],
    ['verdict:scalar', '42\n'],
    ['verdict:bad-indent', 'global:\n  a: 1\n b: 2\n'],
    ['verdict:duplicate-key', 'global: {}\nglobal: {}\n'],
    ['verdict:tab', 'global:\n\tscrape_interval: 1s\n'],
    ['verdict:merge-not-a-map', 'scrape_configs: [{job_name: a, <<: [1]}]\n'],
  ] as const),
];

const SD_FILES: Record<string, string> = {
  'good.json': JSON.stringify([{ targets: ['a:1', 'b'], labels: { env: 'x' } }, { targets: [] }]),
  'good.yml': '- targets: [c:3]\n  labels: {team: t}\n',
  'bad-target.json': JSON.stringify([{ targets: ['ok:1'] }, { targets: ['x:1', 'http://y'] }]),
  'bad-1.yaml': '- targets: 5\n',
  'null-group.json': '[{"targets": ["a"]}, null]',
  'bad-label.yml': '- targets: [a]\n  labels: {"0x": y}\n',
  'unknown-field.yml': '- targets: [a]\n  nope: 1\n',
  'am-bad.yml': '- targets: ["http://am:9093"]\n',
};

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function promtoolCheck(file: string): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(PROMTOOL ?? 'promtool', ['check', 'config', file]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function ourCheck(file: string): Promise<Outcome> {
  const sink = (): Writable & { text: string } => {
    const w = new Writable({
      write(chunk, _enc, cb) {
        w.text += String(chunk);
        cb();
      },
    }) as Writable & { text: string };
    w.text = '';
    return w;
  };
  const stdout = sink();
  const stderr = sink();
  const code = await checkConfigCommand([file], { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe.skipIf(!PROMTOOL)('promwasm check config agrees with promtool 2.42 check config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-check-'));
  const results = new Map<string, Outcome>();

  beforeAll(async () => {
    mkdirSync(join(dir, 'sd'));
    for (const [name, text] of Object.entries(SD_FILES)) writeFileSync(join(dir, 'sd', name), text);
    for (const [name, text] of CASES) writeFileSync(join(dir, `${name.replace('verdict:', '')}.yml`), text);
    const queue = [...CASES];
    // Two at a time: the machine is shared.
    await Promise.all(
      [0, 1].map(async () => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
          const file = join(dir, `${c[0].replace('verdict:', '')}.yml`);
          results.set(c[0], await promtoolCheck(file));
        }
      }),
    );
  }, 120_000);

  it.each(CASES.map(([name]) => [name]))('%s', async (name) => {
    const file = join(dir, `${name.replace('verdict:', '')}.yml`);
    const theirs = results.get(name)!;
    const ours = await ourCheck(file);
    expect(ours.code).toBe(theirs.code);
    if (name.startsWith('verdict:')) return;
    expect(ours.stdout).toBe(theirs.stdout);
    // Ours names the field and where it is; without that, the text is Prometheus's.
    const result = checkConfigFile(file);
    let stderr = ours.stderr;
    if (result.line !== undefined && result.path === undefined) throw new Error('a located error without a path');
    if (result.path !== undefined && result.path !== '') stderr = stderr.replace(`${result.path}: `, '');
    stderr = stderr.replace(/ \(line \d+, column \d+\)\n$/, '\n');
    expect(stderr).toBe(theirs.stderr);
  });
});

if (!PROMTOOL) console.warn(PROMTOOL_MISSING);
