import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTestFile, almostEqual } from '../../src/promql/test-dsl.js';

const fixtures = new URL('../fixtures/promql/', import.meta.url).pathname;
const upstream = new URL('../../../shared/fixtures/promql/', import.meta.url).pathname;

describe('PromQL .test runner', () => {
  it('passes every eval of the self-written file', async () => {
    const { evals, errors } = await runTestFile(readFileSync(join(fixtures, 'basic.test'), 'utf8'));
    expect(errors).toEqual([]);
    expect(evals.filter((e) => e.failure !== undefined)).toEqual([]);
    expect(evals).toHaveLength(13);
  });

  it('reports wrong values, missing errors and keeps going', async () => {
    const { evals } = await runTestFile(readFileSync(join(fixtures, 'failing.test'), 'utf8'));
    expect(evals.map((e) => e.failure === undefined)).toEqual([false, false, true]);
    expect(evals[0]!.failure).toContain('expected 2');
    expect(evals[1]!.failure).toBe('expected an execution error, got a result');
  });

  it('compares floats like the harness', () => {
    expect(almostEqual(NaN, NaN)).toBe(true);
    expect(almostEqual(2.517857143, 2.5178571428571428)).toBe(true);
    expect(almostEqual(0, 1e-300)).toBe(false);
    expect(almostEqual(Infinity, -Infinity)).toBe(false);
  });

  it.skipIf(!existsSync(upstream))('runs the upstream 2.42 files to completion', async () => {
    let passed = 0;
    let failed = 0;
    for (const f of readdirSync(upstream).filter((n) => n.endsWith('.test'))) {
      const { evals, errors } = await runTestFile(readFileSync(join(upstream, f), 'utf8'));
      failed += errors.length;
      for (const e of evals) e.failure === undefined ? passed++ : failed++;
    }
    console.log(`upstream PromQL tests: ${passed} passed, ${failed} failed`);
    expect(passed + failed).toBeGreaterThanOrEqual(507);
  }, 120_000);
});
