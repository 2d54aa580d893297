// Runner for Prometheus 2.42's PromQL `.test` files (promql/test.go): `load`, `clear`, `eval`,
// `eval_ordered`, `eval_fail`. Every eval is one test; a failure is reported and the run goes on.

import { compareStrings, type Label, type Labels, labelsKey, METRIC_NAME } from '../model/labels.js';
import { parseDuration } from '../model/duration.js';
import { unquoteString } from './strings.js';
import { Engine } from './engine.js';
import { parseExpr } from './parser.js';
import { MemoryQueryable } from './queryable.js';
import type { Sample, Value } from './value.js';
import { walk, type AtModifier, type Expr } from './ast.js';

export interface EvalOutcome {
  readonly line: number;
  readonly keyword: string;
  readonly expr: string;
  /** undefined when the eval passed. */
  readonly failure: string | undefined;
}

export interface FileOutcome {
  readonly evals: EvalOutcome[];
  /** Errors outside evals (bad commands, failed loads), each counted as one failure. */
  readonly errors: string[];
}

/** The engine as 2.42's harness configures it (test.go clear): 10000 samples, 100s timeout. */
function newTestEngine(): Engine {
  return new Engine({ maxSamples: 10_000, timeoutMs: 100_000 });
}

const STALE_BITS = [0x00000002, 0x7ff00000];
const EVAL_HEADER = /^(eval|eval_ordered|eval_fail)\s+instant\s+at\s+(\S+)\s+(.+)$/;

export interface RunOptions {
  /**
   * Check each eval the way 2.42's harness does (default): also with every selector pinned by `@` at other
   * eval times, and as a range query whose middle step must match. false runs the written instant query only.
   */
  readonly strict?: boolean;
}

/** Runs one `.test` file's text. */
export async function runTestFile(text: string, options: RunOptions = {}): Promise<FileOutcome> {
  const strict = options.strict ?? true;
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const evals: EvalOutcome[] = [];
  const errors: string[] = [];
  let storage = new MemoryQueryable();
  let engine = newTestEngine();
  let loadFailure: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const word = line.split(/\s/, 1)[0]!;
    const block: string[] = [];
    const blockStart = i;
    const takeBlock = (stopAtScalar: boolean): void => {
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        block.push(lines[++i]!);
        if (stopAtScalar && isScalarLine(lines[i]!)) break;
      }
    };
    if (word.toLowerCase() === 'clear') {
      storage = new MemoryQueryable();
      engine = newTestEngine();
      loadFailure = undefined;
    } else if (word === 'load') {
      takeBlock(false);
      try {
        load(storage, line, block);
      } catch (e) {
        loadFailure = `load at line ${blockStart + 1} failed: ${(e as Error).message}`;
        errors.push(loadFailure);
      }
    } else if (word.toLowerCase().startsWith('eval')) {
      takeBlock(true);
      const m = EVAL_HEADER.exec(line);
      if (!m) {
        evals.push({ line: blockStart + 1, keyword: word, expr: line, failure: 'invalid eval header' });
        continue;
      }
      const [, keyword, at, expr] = m;
      const failure = loadFailure ?? (await runEval(engine, storage, keyword!, at!, expr!, block, strict));
      evals.push({ line: blockStart + 1, keyword: keyword!, expr: expr!, failure });
    } else {
      errors.push(`line ${i + 1}: invalid command "${word}"`);
    }
  }
  return { evals, errors };
}

function load(storage: MemoryQueryable, header: string, lines: string[]): void {
  const m = /^load\s+(\S+)$/.exec(header);
  if (!m) throw new Error(`invalid load header "${header}"`);
  const step = parseDuration(m[1]!);
  for (const line of lines) {
    const { labels, items } = parseSeriesLine(line);
    const ts: number[] = [];
    const vs: number[] = [];
    const staleAt: number[] = [];
    let slot = 0;
    for (const item of items) {
      for (const v of expandItem(item)) {
        if (v === 'stale') staleAt.push(vs.length);
        if (v !== undefined) {
          ts.push(slot * step);
          vs.push(v === 'stale' ? 0 : v);
        }
        slot++;
      }
    }
    const values = Float64Array.from(vs);
    const words = new Uint32Array(values.buffer);
    for (const k of staleAt) {
      words[2 * k] = STALE_BITS[0]!;
      words[2 * k + 1] = STALE_BITS[1]!;
    }
    storage.set(labels, Float64Array.from(ts), values);
  }
}

const NUMBER = /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|nan)$/i;

function parseNumber(text: string): number {
  if (!NUMBER.test(text)) throw new Error(`invalid number "${text}"`);
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(text);
}

/** The slots of one value item: numbers, undefined for `_`, 'stale' for a marker. */
function expandItem(item: string): (number | undefined | 'stale')[] {
  if (item === 'stale') return ['stale'];
  if (item === '_') return [undefined];
  let m = /^_x(\d+)$/.exec(item);
  if (m) return new Array<undefined>(Number(m[1])).fill(undefined);
  m = /^([+-]?[^+\-x]+(?:[eE][+-]?\d+)?)(?:([+-])([^x]+))?x(\d+)$/.exec(item);
  if (m) {
    let v = parseNumber(m[1]!);
    const d = m[3] === undefined ? 0 : parseNumber(m[3]) * (m[2] === '-' ? -1 : 1);
    const out: number[] = [v];
    for (let k = 0; k < Number(m[4]); k++) out.push((v += d));
    return out;
  }
  return [parseNumber(item)];
}

function parseSeriesLine(line: string): { labels: Labels; items: string[] } {
  let pos = 0;
  const labels: Label[] = [];
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name) {
    labels.push({ name: METRIC_NAME, value: name });
    pos = name.length;
  }
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (/\s/.test(line[pos] ?? '')) pos++;
      if (line[pos] === '}') break;
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/.exec(line.slice(pos));
      if (!lm) throw new Error(`invalid series "${line}"`);
      const value = unquoteString(lm[2]!);
      if (!(name && value === '')) {
        const at = labels.findIndex((l) => l.name === lm[1]);
        if (at >= 0) labels.splice(at, 1);
        labels.push({ name: lm[1]!, value });
      }
      pos += lm[0].length;
    }
    pos++;
  } else if (!name) throw new Error(`invalid series "${line}"`);
  const rest = line.slice(pos).trim();
  labels.sort((a, b) => compareStrings(a.name, b.name));
  return { labels, items: rest === '' ? [] : rest.split(/\s+/) };
}

const GO_NUMBER = /^[+-]?((0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*)|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)|inf(inity)?)$|^nan$/i;

function isScalarLine(line: string): boolean {
  return GO_NUMBER.test(line);
}

function scalarValue(line: string): number {
  const lower = line.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan') return NaN;
  const clean = line.replaceAll('_', '');
  if (/^[+-]?0[0-7]+$/.test(clean)) return parseInt(clean, 8);
  return Number(clean.replace(/^([+-]?)0[oO]/, '$10o').replace(/^([+-])(0[xXbBoO].*)$/, (_m, s: string, n: string) => String(Number(s + '1') * Number(n))));
}

/** Functions whose result depends on the eval time even when their arguments are pinned by `@`. */
const AT_UNSAFE_FUNCTIONS = new Set([
  'days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year',
  'predict_linear', 'time', 'timestamp',
]);

/**
 * The extra (query, time) pairs 2.42's harness checks after the written one (test.go atModifierTestCases):
 * the same expression with `@ <eval time>` on every selector and subquery outside a subquery (an existing
 * `start()`/`end()` is replaced too), evaluated at other times; none when a time-dependent function occurs.
 */
export function atModifierVariants(expr: Expr, t: number): { expr: Expr; t: number }[] {
  let unsafe = false;
  walk(expr, (n) => {
    if (n.type === 'Call' && AT_UNSAFE_FUNCTIONS.has(n.func)) unsafe = true;
  });
  if (unsafe) return [];
  const pinned = pinAt(expr, t);
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
  return times.map((at) => ({ expr: pinned, t: at }));
}

function pinAt(e: Expr, t: number): Expr {
  const at: AtModifier = { kind: 'time', ms: t };
  const keep = (a: AtModifier | undefined): AtModifier => (a?.kind === 'time' ? a : at);
  switch (e.type) {
    case 'VectorSelector': return { ...e, at: keep(e.at) };
    case 'MatrixSelector': return { ...e, vector: { ...e.vector, at: keep(e.vector.at) } };
    case 'SubqueryExpr': return { ...e, at: keep(e.at) };
    case 'ParenExpr': case 'UnaryExpr': return { ...e, expr: pinAt(e.expr, t) };
    case 'BinaryExpr': return { ...e, lhs: pinAt(e.lhs, t), rhs: pinAt(e.rhs, t) };
    case 'AggregateExpr': return { ...e, expr: pinAt(e.expr, t), param: e.param && pinAt(e.param, t) };
    case 'Call': return { ...e, args: e.args.map((a) => pinAt(a, t)) };
    default: return e;
  }
}

async function runEval(engine: Engine, storage: MemoryQueryable, keyword: string, at: string, exprText: string, block: string[], strict: boolean): Promise<string | undefined> {
  let t: number;
  try {
    t = parseDuration(at);
  } catch (e) {
    return `invalid eval time: ${(e as Error).message}`;
  }
  let expr;
  try {
    expr = parseExpr(exprText);
  } catch (e) {
    return `parse error: ${(e as Error).message}`;
  }
  const queries = [{ expr, t }, ...(strict ? atModifierVariants(expr, t) : [])];
  for (const [k, q] of queries.entries()) {
    const label = k === 0 ? '' : ` (with @ ${q.t === t ? '' : 'evaluated at ' + q.t / 1000 + 's, '}every selector pinned to ${t / 1000}s)`;
    let result: Value;
    try {
      result = await engine.instantQuery(storage, q.expr, q.t);
    } catch (e) {
      if (keyword === 'eval_fail') continue;
      return `unexpected error${label}: ${(e as Error).message}`;
    }
    if (keyword === 'eval_fail') return `expected an execution error, got a result${label}`;
    const failure = compare(result, block, keyword === 'eval_ordered');
    if (failure !== undefined) return failure + label;
    if (!strict) continue;
    // The harness re-runs the query as a range query over [t-1m, t+1m] at 1m and compares the middle step.
    let matrix;
    try {
      matrix = await engine.rangeQuery(storage, q.expr, q.t - 60_000, q.t + 60_000, 60_000);
    } catch (e) {
      return `range mode error${label}: ${(e as Error).message}`;
    }
    if (keyword === 'eval_ordered') continue; // range results have no defined order
    const samples: Sample[] = [];
    for (const s of matrix) {
      const i = s.timestamps.indexOf(q.t);
      if (i >= 0) samples.push({ labels: s.labels, v: s.values[i]!, t: q.t });
    }
    const middle: Value = result.kind === 'scalar'
      ? samples.length > 0 ? { kind: 'scalar', v: samples[0]!.v, t: q.t } : { kind: 'vector', samples: [] }
      : { kind: 'vector', samples };
    const rangeFailure = compare(middle, block, false);
    if (rangeFailure !== undefined) return `range mode${label}: ${rangeFailure}`;
  }
  return undefined;
}

function compare(result: Value, block: string[], ordered: boolean): string | undefined {
  if (block.length === 1 && isScalarLine(block[0]!)) {
    if (result.kind !== 'scalar') return `expected scalar ${block[0]}, got ${result.kind}`;
    const want = scalarValue(block[0]!);
    return almostEqual(want, result.v) ? undefined : `expected scalar ${want}, got ${result.v}`;
  }
  if (result.kind !== 'vector') return `expected a vector, got ${result.kind}`;
  const expected = new Map<string, { pos: number; value: number; text: string }>();
  block.forEach((line, k) => {
    const { labels, items } = parseSeriesLine(line);
    if (items.length !== 1) throw new Error(`expected exactly one value in "${line}"`);
    const item = items[0]!;
    const value = item === '_' ? 0 : item === 'stale' ? NaN : parseNumber(item);
    expected.set(labelsKey(labels), { pos: k + 1, value, text: line });
  });
  const seen = new Set<string>();
  for (let i = 0; i < result.samples.length; i++) {
    const s = result.samples[i]!;
    const key = labelsKey(s.labels);
    const want = expected.get(key);
    const shown = '{' + s.labels.map((l) => `${l.name}="${l.value}"`).join(', ') + '}';
    if (!want) return `unexpected series ${shown} ${s.v}`;
    if (ordered && want.pos !== i + 1) return `expected ${shown} at position ${want.pos}, got ${i + 1}`;
    if (!almostEqual(want.value, s.v)) return `expected ${want.value} for ${shown}, got ${s.v}`;
    seen.add(key);
  }
  for (const [key, want] of expected) if (!seen.has(key)) return `missing series ${want.text}`;
  return undefined;
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** The harness's float comparison: NaN equals NaN, else relative tolerance 1e-6 (exact against zero). */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < 1e-6 * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
}
