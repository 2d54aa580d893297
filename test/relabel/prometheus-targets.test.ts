// Target relabeling checked against a real Prometheus 2.42: one job per case, each with static targets,
// labels and relabel_configs; Prometheus's /api/v1/targets (final and discovered labels, dropped
// targets) must equal what promwasm computes from the same prometheus.yml.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/default-config.js';
import type { Labels } from '../../src/model/labels.js';
import { targetsFromGroup } from '../../src/relabel/index.js';
import { freePort } from '../helpers/cli.js';

const PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0 ? 'prometheus' : undefined;
if (!PROMETHEUS) console.warn('prometheus is not on PATH: skipping the comparison of target relabeling with Prometheus 2.42');

interface Case {
  readonly job: string;
  /** The rest of the job's YAML (indented by 4). */
  readonly yaml: string;
}

const J = (s: string): string => JSON.stringify(s);

const CASES: readonly Case[] = [
  { job: 'defaults', yaml: `static_configs: [{targets: ["example.invalid", "h:1", "[::1]", "127.0.0.1:9100"], labels: {env: prod}}]` },
  { job: 'https', yaml: `scheme: https\nstatic_configs: [{targets: ["example.invalid", "h:443"]}]` },
  { job: 'params', yaml: `params: {module: [http_2xx, b], other: [x]}\nstatic_configs: [{targets: ["a:1"]}]\nrelabel_configs:\n  - {source_labels: [__param_module], target_label: mod}\n  - {target_label: __param_extra, replacement: zz}` },
  {
    job: 'case-mapping',
    yaml: `static_configs: [{targets: ["a:1"], labels: {s: ${J('straße ﬁ ᾳ ǅ İSTANBUL ΟΔΟΣ ΑΣ Ωμέγα ŉ Ǆ K')}}}]
relabel_configs:
  - {source_labels: [s], action: uppercase, target_label: up}
  - {source_labels: [s], action: lowercase, target_label: low}
  - {source_labels: [s, job], action: uppercase, target_label: joined}`,
  },
  {
    job: 'hashmod',
    yaml: `static_configs: [{targets: ["10.0.0.1:9100", "example.invalid", "ü:1", "a:1"]}]
relabel_configs:
  - {source_labels: [__address__], action: hashmod, modulus: 1000, target_label: h1000}
  - {source_labels: [__address__, job], action: hashmod, modulus: 7, target_label: h7}
  - {source_labels: [__address__], action: hashmod, modulus: 18446744073709551615, target_label: hmax}
  - {source_labels: [__address__], action: hashmod, modulus: 4294967311, target_label: hbig}`,
  },
  {
    job: 'templates',
    yaml: `static_configs: [{targets: ["a:1"], labels: {tags: "path:/secret,job:some-job,label:foo=bar", foo: bar}}]
relabel_configs:
  - {source_labels: [foo], target_label: x1, replacement: "$1_x"}
  - {source_labels: [foo], target_label: x2, replacement: "\${1}_x"}
  - {source_labels: [foo], target_label: x3, replacement: "$$1 costs $$"}
  - {source_labels: [foo], regex: "(?P<first>b)(a)(?P<rest>.*)", target_label: x4, replacement: "$rest-$2-\${first}-$0-$01-$9"}
  - {source_labels: [tags], regex: "(?:.+,|^)label:([^=]+)=([^,]+).*", target_label: "\${1}_from_tags", replacement: "\${2}"}
  - {source_labels: [foo], regex: "(?P<n>a)|(?P<n>b).*", target_label: x5, replacement: "[$n]"}
  - {source_labels: [foo], regex: "(.*)", target_label: "\${1}", replacement: "named by value"}
  - {source_labels: [foo], regex: "b(.*)", target_label: "$1x", replacement: "unused"}`,
  },
  {
    job: 'regexes',
    yaml: `static_configs: [{targets: ["a:1"], labels: {v: "FooBar", nl: "a\\nb", k: "\\u212a", u: "é٣"}}]
relabel_configs:
  - {source_labels: [v], regex: "(?i)foo(bar)", target_label: r1}
  - {source_labels: [v], regex: "foo(bar)", target_label: r2, replacement: "should not be set"}
  - {source_labels: [nl], target_label: r3, replacement: "dot matched newline"}
  - {source_labels: [nl], regex: "(?s)(.*)", target_label: r4}
  - {source_labels: [k], regex: "(?i)k", target_label: r5, replacement: "kelvin folds"}
  - {source_labels: [u], regex: "\\\\w\\\\d", target_label: r6, replacement: "ascii classes matched"}
  - {source_labels: [u], regex: "\\\\pL\\\\pN", target_label: r7, replacement: "unicode classes"}
  - {source_labels: [v], regex: "Foo)|(Bar", target_label: r8, replacement: "unanchored [$1]"}`,
  },
  {
    job: 'labelmap',
    yaml: `static_configs: [{targets: ["a:1"], labels: {__meta_x_one: "1", __meta_x_two: "2", __meta_y: "3", ab: "4"}}]
relabel_configs:
  - {action: labelmap, regex: "__meta_x_(.*)", replacement: "mapped_$1"}
  - {action: labelmap, regex: "__meta_(y)"}
  - {action: labelmap, regex: "a)|(b", replacement: "x_$0"}`,
  },
  {
    job: 'equal',
    yaml: `static_configs: [{targets: ["a:1", "b:2", "c:3"], labels: {want: "a:1"}}]
relabel_configs:
  - {source_labels: [__address__], action: dropequal, target_label: want}
  - {source_labels: [__address__], regex: "c.*", action: drop}`,
  },
  {
    job: 'keepequal',
    yaml: `static_configs: [{targets: ["a:1", "b:2"], labels: {want: "b:2"}}]
relabel_configs:
  - {source_labels: [__address__], action: keepequal, target_label: want}`,
  },
  {
    job: 'labeldrop-labelkeep',
    yaml: `static_configs: [{targets: ["a:1"], labels: {tmp_a: "1", tmp_b: "2", keep_me: "3", other: "4"}}]
relabel_configs:
  - {action: labeldrop, regex: "tmp_.*"}
  - {action: labelkeep, regex: "__.*|job|keep_me"}`,
  },
  {
    job: 'address-rewrite',
    yaml: `static_configs: [{targets: ["a:1", "b"], labels: {port: "9999"}}]
relabel_configs:
  - {source_labels: [__address__], target_label: __param_target}
  - {source_labels: [__param_target], target_label: instance}
  - {source_labels: [__address__, port], regex: "([^:]+)(?::\\\\d+)?;(.*)", target_label: __address__, replacement: "$1:$2"}
  - {target_label: __scheme__, replacement: https}
  - {target_label: __metrics_path__, replacement: /probe}
  - {source_labels: [__scrape_interval__], target_label: interval_seen}`,
  },
  {
    job: 'interval-labels',
    yaml: `scrape_interval: 30s\nstatic_configs: [{targets: ["a:1"]}, {targets: ["b:1"], labels: {__scrape_interval__: "2m", __scrape_timeout__: "90s"}}]`,
  },
];

function configText(): string {
  let text = 'global: {scrape_interval: 1h, scrape_timeout: 10s}\nscrape_configs:\n';
  for (const c of CASES) text += `  - job_name: ${c.job}\n` + c.yaml.split('\n').map((l) => `    ${l}`).join('\n') + '\n';
  return text;
}

interface ApiTarget {
  readonly labels: Record<string, string>;
  readonly discoveredLabels: Record<string, string>;
  readonly scrapePool?: string;
}

const asRecord = (ls: Labels): Record<string, string> => Object.fromEntries(ls.map((l) => [l.name, l.value]));
const visible = (ls: Labels): Record<string, string> => asRecord(ls.filter((l) => !l.name.startsWith('__')));
const byAddress = (a: { discoveredLabels: { __address__?: string } }, b: { discoveredLabels: { __address__?: string } }): number =>
  (a.discoveredLabels.__address__ ?? '').localeCompare(b.discoveredLabels.__address__ ?? '');

describe.skipIf(!PROMETHEUS)('target relabeling equals Prometheus 2.42', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-relabel-e2e-'));
  let proc: ChildProcess | undefined;
  let active: ApiTarget[] = [];
  let dropped: ApiTarget[] = [];
  let log = '';

  beforeAll(async () => {
    writeFileSync(join(dir, 'prometheus.yml'), configText());
    const port = await freePort();
    proc = spawn(PROMETHEUS!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stderr!.on('data', (d) => (log += d));
    const expectedActive = CASES.length; // at least one per job; wait for all pools to report
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
      if (Date.now() > deadline) throw new Error(`targets did not appear:\n${log}`);
      try {
        const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as { data: { activeTargets: ApiTarget[]; droppedTargets: ApiTarget[] } };
        active = body.data.activeTargets;
        dropped = body.data.droppedTargets;
        const pools = new Set(active.map((t) => t.scrapePool));
        if (pools.size >= expectedActive && active.length + dropped.length >= 20) break;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(() => {
    proc?.kill('SIGTERM');
  });

  it.each(CASES.map((c) => [c.job]))('%s', (job) => {
    const scfg = parseConfig(configText(), 'prometheus.yml').prometheus.scrapeConfigs.find((s) => s.jobName === job)!;
    const ours = scfg.serviceDiscovery.staticConfigs.map((g) => targetsFromGroup(g, scfg));
    expect(ours.flatMap((o) => o.failures)).toEqual([]);
    const targets = ours.flatMap((o) => o.targets);
    // Prometheus 2.42 relabels the discovered label array in place, so its API can show discovered labels
    // overwritten by later steps (a Prometheus bug): targets are matched by address, the final labels compared.
    const identity = (d: Record<string, string>) => ({ __address__: d['__address__'], job: d['job'] });
    const oursActive = targets.filter((t) => t.labels.length > 0).map((t) => ({ labels: visible(t.labels), discoveredLabels: identity(asRecord(t.discoveredLabels)) }));
    const oursDropped = targets.filter((t) => t.labels.length === 0).map((t) => ({ discoveredLabels: identity(asRecord(t.discoveredLabels)) }));
    const theirsActive = active.filter((t) => t.scrapePool === job).map((t) => ({ labels: t.labels, discoveredLabels: identity(t.discoveredLabels) }));
    const theirsDropped = dropped.filter((t) => t.discoveredLabels['job'] === job).map((t) => ({ discoveredLabels: identity(t.discoveredLabels) }));
    expect(oursActive.sort(byAddress)).toEqual(theirsActive.sort(byAddress));
    expect(oursDropped.sort(byAddress)).toEqual(theirsDropped.sort(byAddress));
  });
});
