// Runs the OpenMetrics parser conformance suite (the layout of prometheus/OpenMetrics
// tests/testdata/parsers: one folder per case with `test.json` {type, file, shouldParse} and the input
// file) against promwasm's strict OpenMetrics validation.
//
//   npm run conformance:openmetrics -- [<cases dir>]     (default: ../shared/fixtures/openmetrics/cases)
//
// Prints one line per failing case and a final "N passed, N failed"; exits 1 when a case fails.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateOpenMetrics } from '../src/textparse/openmetrics-validator.js';

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** Why the case failed (undefined when it passed). */
  readonly detail?: string;
}

export interface ConformanceReport {
  readonly cases: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
}

interface TestDefinition {
  readonly type: string;
  readonly file: string;
  readonly shouldParse: boolean;
}

function readDefinition(dir: string): TestDefinition {
  const def = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as Partial<TestDefinition>;
  if (typeof def.type !== 'string' || typeof def.file !== 'string' || typeof def.shouldParse !== 'boolean') {
    throw new Error('test.json needs "type", "file" and "shouldParse"');
  }
  return def as TestDefinition;
}

/** Runs one case folder. */
export function runCase(dir: string, name: string): CaseResult {
  let def: TestDefinition;
  try {
    def = readDefinition(dir);
  } catch (e) {
    return { name, passed: false, detail: `bad test definition: ${(e as Error).message}` };
  }
  if (def.type !== 'text') return { name, passed: false, detail: `unsupported test type ${JSON.stringify(def.type)}` };
  const body = readFileSync(join(dir, def.file));
  let error: Error | undefined;
  try {
    validateOpenMetrics(body);
  } catch (e) {
    error = e as Error;
  }
  if (def.shouldParse && error) return { name, passed: false, detail: `should parse, but: ${error.message}` };
  if (!def.shouldParse && !error) return { name, passed: false, detail: 'should fail, but parsed' };
  return { name, passed: true };
}

/** Runs every case folder (one holding test.json) directly under `dir`, in name order. */
export function runConformance(dir: string): ConformanceReport {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'test.json')))
    .map((d) => d.name)
    .sort();
  const cases = names.map((n) => runCase(join(dir, n), n));
  const passed = cases.filter((c) => c.passed).length;
  return { cases, passed, failed: cases.length - passed };
}

function main(argv: readonly string[]): number {
  const dir = resolve(argv[0] ?? resolve(import.meta.dirname, '../../shared/fixtures/openmetrics/cases'));
  if (!existsSync(dir)) {
    process.stderr.write(`no such directory: ${dir}\n`);
    return 2;
  }
  const report = runConformance(dir);
  for (const c of report.cases) if (!c.passed) process.stdout.write(`FAIL ${c.name}: ${c.detail}\n`);
  process.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
  return report.failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
