import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTestFile, almostEqual, atModifierVariants } from '../../src/promql/test-dsl.js';
import { parseExpr } from '../../src/promql/parser.js';

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

  it('checks like 2.42\'s harness: range mode and @-pinned variants fail what the instant query hides', async () => {
    const text = readFileSync(join(fixtures, 'strict.test'), 'utf8');
    const basic = await runTestFile(text, { strict: false });
    expect(basic.evals.map((e) => e.failure)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const strict = await runTestFile(text);
    expect(strict.errors).toEqual([]);
    expect(strict.evals.map((e) => e.failure)).toEqual([
      'range mode: expected 5 for {__name__="metric"}, got 4',
      'range mode error: vector cannot contain metrics with the same labelset',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('pins @ like atModifierTestCases: every selector outside subqueries, at five other times', () => {
    const variants = atModifierVariants(parseExpr('sum(rate(a[5m] @ start())) + b offset 1m + max_over_time(c[5m:1m])'), 120_000);
    expect(variants.map((v) => v.t)).toEqual([-1_200_000, 0, 24_000, 120_000, 1_200_000]);
    const e = variants[0]!.expr;
    if (e.type !== 'BinaryExpr' || e.lhs.type !== 'BinaryExpr' || e.rhs.type !== 'Call') throw new Error('shape');
    const ats: unknown[] = [];
    const visit = (x: import('../../src/promql/ast.js').Expr): void => {
      if (x.type === 'VectorSelector' || x.type === 'SubqueryExpr') ats.push(x.at);
      if (x.type === 'MatrixSelector') ats.push(x.vector.at);
      if (x.type === 'SubqueryExpr') return;
      for (const c of 'expr' in x && x.expr ? [x.expr] : 'args' in x ? x.args : 'lhs' in x ? [x.lhs, x.rhs] : []) visit(c);
    };
    visit(e);
    expect(ats).toEqual(Array(3).fill({ kind: 'time', ms: 120_000 }));
    const inner = (e.rhs.args[0] as import('../../src/promql/ast.js').SubqueryExpr).expr;
    expect(inner.type === 'VectorSelector' && inner.at).toBeUndefined();
    expect(atModifierVariants(parseExpr('timestamp(a)'), 60_000)).toEqual([]);
    expect(atModifierVariants(parseExpr('a'), 0).map((v) => v.t)).toEqual([-1000, 0, 1000]);
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
    console.log(`upstream PromQL tests (strict): ${passed} passed, ${failed} failed`);
    expect(failed).toBe(0);
    expect(passed).toBe(507);
  }, 120_000);
});
