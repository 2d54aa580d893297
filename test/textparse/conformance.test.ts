// The OpenMetrics conformance runner: on self-written cases (correct ones and deliberately mislabelled
// ones), as a process, and on the upstream suite when it is present beside the repository.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../scripts/conformance-openmetrics.js';
import { ROOT } from '../helpers/cli.js';

const OWN = resolve(ROOT, 'test/fixtures/openmetrics');
const UPSTREAM = resolve(ROOT, '../shared/fixtures/openmetrics/cases');
const HAS_UPSTREAM = existsSync(UPSTREAM);
if (!HAS_UPSTREAM) console.warn(`${UPSTREAM} is missing: skipping the upstream OpenMetrics conformance suite`);

describe('the OpenMetrics conformance runner', () => {
  it('passes the self-written cases', () => {
    const report = runConformance(resolve(OWN, 'cases'));
    expect(report.cases.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['bad_count_not_integer', true, undefined],
      ['bad_exemplar_above_bucket', true, undefined],
      ['bad_interleaved_metrics', true, undefined],
      ['counter_with_exemplar', true, undefined],
      ['histogram_with_negative_buckets', true, undefined],
      ['stateset_and_info', true, undefined],
    ]);
    expect([report.passed, report.failed]).toEqual([6, 0]);
  });

  it('reports mislabelled, malformed and unsupported cases as failures, with the reason', () => {
    const report = runConformance(resolve(OWN, 'mislabelled'));
    expect(report.cases.map((c) => [c.name, c.passed, c.detail])).toEqual([
      ['bad_definition', false, 'bad test definition: test.json needs "type", "file" and "shouldParse"'],
      ['says_bad_but_good', false, 'should fail, but parsed'],
      ['says_good_but_bad', false, 'should parse, but: data does not end with # EOF (line 2, column 1)'],
      ['unsupported_type', false, 'unsupported test type "protobuf"'],
    ]);
    expect([report.passed, report.failed]).toEqual([0, 4]);
  });

  it('prints failures and the totals as a command, exiting 1 when a case fails', () => {
    const run = (dir: string) => spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/conformance-openmetrics.ts'), dir], { cwd: ROOT, encoding: 'utf8' });
    const good = run(resolve(OWN, 'cases'));
    expect([good.status, good.stdout]).toEqual([0, '6 passed, 0 failed\n']);
    const bad = run(resolve(OWN, 'mislabelled'));
    expect(bad.status).toBe(1);
    expect(bad.stdout.split('\n').slice(-2)).toEqual(['0 passed, 4 failed', '']);
    expect(bad.stdout).toContain('FAIL says_bad_but_good: should fail, but parsed\n');
  });

  it.skipIf(!HAS_UPSTREAM)('passes every case of the upstream suite', () => {
    const report = runConformance(UPSTREAM);
    expect(report.cases.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(100);
  });
});
