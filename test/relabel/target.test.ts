import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { newRelabelConfig, populateTargetLabels, splitHostPort, TargetLabelError, targetsFromGroup, type RelabelConfigInput, type TargetLabelingSettings } from '../../src/relabel/index.js';

const L = (rec: Record<string, string>): Labels => labelsFromRecord(rec);

function settings(over: Partial<Omit<TargetLabelingSettings, 'relabelConfigs'>> & { relabel?: RelabelConfigInput[] } = {}): TargetLabelingSettings {
  return {
    jobName: over.jobName ?? 'job1',
    scrapeIntervalMs: over.scrapeIntervalMs ?? 15_000,
    scrapeTimeoutMs: over.scrapeTimeoutMs ?? 10_000,
    metricsPath: over.metricsPath ?? '/metrics',
    scheme: over.scheme ?? 'http',
    params: over.params ?? {},
    relabelConfigs: (over.relabel ?? []).map(newRelabelConfig),
  };
}

describe('populateTargetLabels', () => {
  it('adds the scrape defaults, the default port and instance', () => {
    const r = populateTargetLabels(L({ __address__: 'example.invalid' }), settings());
    expect(r.discoveredLabels).toEqual(
      L({ __address__: 'example.invalid', __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '15s', __scrape_timeout__: '10s', job: 'job1' }),
    );
    expect(r.labels).toEqual(
      L({
        __address__: 'example.invalid:80',
        __metrics_path__: '/metrics',
        __scheme__: 'http',
        __scrape_interval__: '15s',
        __scrape_timeout__: '10s',
        instance: 'example.invalid:80',
        job: 'job1',
      }),
    );
  });

  it('an https target gets :443; an address with a port keeps it', () => {
    expect(populateTargetLabels(L({ __address__: 'h' }), settings({ scheme: 'https' })).labels.find((l) => l.name === 'instance')!.value).toBe('h:443');
    expect(populateTargetLabels(L({ __address__: 'h:9100' }), settings()).labels.find((l) => l.name === 'instance')!.value).toBe('h:9100');
    expect(populateTargetLabels(L({ __address__: '[::1]' }), settings()).labels.find((l) => l.name === '__address__')!.value).toBe('[::1]:80');
  });

  it('the target\'s own job beats job_name; params become __param_ with their first value', () => {
    const r = populateTargetLabels(L({ __address__: 'a:1', job: 'fromsd' }), settings({ params: { p1: ['a', 'b'], p2: [] } }));
    expect(r.labels).toContainEqual({ name: 'job', value: 'fromsd' });
    expect(r.labels).toContainEqual({ name: '__param_p1', value: 'a' });
    expect(r.labels.some((l) => l.name === '__param_p2')).toBe(false);
  });

  it('relabeling sees the address without the default port; __meta_ labels go; instance follows the final address', () => {
    const r = populateTargetLabels(
      L({ __address__: 'example.invalid', __meta_x: 'm' }),
      settings({ relabel: [{ source_labels: ['__address__'], target_label: 'seen' }, { source_labels: ['__meta_x'], target_label: 'kept_meta' }] }),
    );
    expect(r.labels).toContainEqual({ name: 'seen', value: 'example.invalid' });
    expect(r.labels).toContainEqual({ name: 'kept_meta', value: 'm' });
    expect(r.labels.some((l) => l.name.startsWith('__meta_'))).toBe(false);
  });

  it('a dropped target has no labels but keeps its discovered ones', () => {
    const r = populateTargetLabels(L({ __address__: 'a:1' }), settings({ relabel: [{ source_labels: ['job'], regex: 'job1', action: 'drop' }] }));
    expect(r.labels).toEqual([]);
    expect(r.discoveredLabels.length).toBeGreaterThan(0);
  });

  it.each<[string, Record<string, string>, Parameters<typeof settings>[0], string]>([
    ['no address', { x: '1' }, {}, 'no address'],
    ['an unknown scheme without a port', { __address__: 'a' }, { scheme: 'ftp' }, 'invalid scheme: "ftp"'],
    ['a URL as the address', { __address__: 'http://a' }, { relabel: [{ source_labels: ['x'], target_label: 'y' }] }, '"http://a" is not a valid hostname'],
    ['a bad interval label', { __address__: 'a:1', __scrape_interval__: '1x' }, {}, 'error parsing scrape interval: not a valid duration string: "1x"'],
    ['a zero interval label', { __address__: 'a:1', __scrape_interval__: '0s' }, {}, 'scrape interval cannot be 0'],
    ['a zero timeout label', { __address__: 'a:1', __scrape_timeout__: '0' }, {}, 'scrape timeout cannot be 0'],
    ['a timeout over the interval', { __address__: 'a:1', __scrape_timeout__: '1m' }, {}, 'scrape timeout cannot be greater than scrape interval ("1m" > "15s")'],
    ['a label value that is not UTF-8', { __address__: 'a:1', bad: 'x\ud800' }, {}, 'invalid label value for "bad": "x\ufffd"'],
  ])('refuses %s', (_name, input, over, message) => {
    expect(() => populateTargetLabels(L(input), settings(over))).toThrow(new TargetLabelError(message));
  });

  it('the no-default-scrape-port flag strips a default port instead', () => {
    const r = populateTargetLabels(L({ __address__: 'h:80' }), settings(), true);
    expect(r.labels).toContainEqual({ name: '__address__', value: 'h' });
    expect(r.labels).toContainEqual({ name: 'instance', value: 'h:80' });
  });
});

describe('targetsFromGroup', () => {
  it('group labels fill what a target lacks; failures name the instance and group', () => {
    const group = { targets: [L({ __address__: 'a:1' }), L({ __address__: 'b:2', env: 'own' }), L({ x: '1' })], labels: L({ env: 'group', team: 't' }), source: '3' };
    const r = targetsFromGroup(group, settings());
    expect(r.targets).toHaveLength(2);
    expect(r.targets[0]!.labels).toContainEqual({ name: 'env', value: 'group' });
    expect(r.targets[1]!.labels).toContainEqual({ name: 'env', value: 'own' });
    expect(r.failures.map((f) => f.message)).toEqual(['instance 2 in group 3: no address']);
  });
});

describe("Go's net.SplitHostPort", () => {
  it.each([
    ['h:1', { host: 'h', port: '1' }],
    ['h:', { host: 'h', port: '' }],
    [':1', { host: '', port: '1' }],
    ['[::1]:9', { host: '::1', port: '9' }],
    ['h', undefined],
    ['::1', undefined],
    ['[::1]', undefined],
    ['[::1]x:9', undefined],
    ['a[b:1', undefined],
    ['a]b:1', undefined],
    ['[a:b]:c:d', undefined],
  ])('%j', (input, want) => {
    expect(splitHostPort(input)).toEqual(want);
  });
});
