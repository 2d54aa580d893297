// Runs PromQL `.test` files (Prometheus 2.42 format) through our engine:
//   npm run conformance:promql -- [--basic] <dir or .test files>...
// Each eval is checked as 2.42's harness checks it (instant, `@`-pinned variants, range mode); --basic runs
// only the written instant query. Prints each failed eval, one summary line per file, and last `N passed, N failed`; exits 1 on failures.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runTestFile } from '../src/promql/test-dsl.js';

const basic = process.argv.includes('--basic');
const args = process.argv.slice(2).filter((a) => a !== '--basic');
if (args.length === 0) {
  console.error('usage: conformance-promql [--basic] <dir or .test files>...');
  process.exit(2);
}
const files = args.flatMap((a) =>
  statSync(a).isDirectory() ? readdirSync(a).filter((f) => f.endsWith('.test')).sort().map((f) => join(a, f)) : [a],
);

let passed = 0;
let failed = 0;
for (const file of files) {
  const name = basename(file);
  const { evals, errors } = await runTestFile(readFileSync(file, 'utf8'), { strict: !basic });
  let pass = 0;
  let fail = errors.length;
  for (const e of errors) console.log(`FAIL ${name}: ${e}`);
  for (const e of evals) {
    if (e.failure === undefined) pass++;
    else {
      fail++;
      console.log(`FAIL ${name}:${e.line} ${e.keyword} ${e.expr}: ${e.failure}`);
    }
  }
  console.log(`${name.padEnd(18)} pass=${pass} fail=${fail} skip=0`);
  passed += pass;
  failed += fail;
}
console.log(`mode: ${basic ? 'basic (the written instant queries only)' : "strict (2.42's harness: @-pinned variants and range mode too)"}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
