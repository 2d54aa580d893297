// The metric linter `promtool check metrics` runs (client_golang 1.14's testutil/promlint), over the
// families validateText returns. Problems are sorted by metric name, then text, as promlint sorts them;
// one problem per offending label occurrence, as promlint reports them.
//
// promlint finds units by ranging over a Go map, so for a name holding two different unit words the
// reported one varies between runs; here the first in promlint's declaration order wins.

import type { TextFamily } from './text-validator.js';

export interface LintProblem {
  readonly metric: string;
  readonly text: string;
}

/** unit -> base unit. */
const UNITS: ReadonlyArray<readonly [string, string]> = [
  ['amperes', 'amperes'], ['bytes', 'bytes'], ['celsius', 'celsius'], ['grams', 'grams'], ['joules', 'joules'],
  ['kelvin', 'kelvin'], ['meters', 'meters'], ['metres', 'metres'], ['seconds', 'seconds'], ['volts', 'volts'],
  ['minutes', 'seconds'], ['hours', 'seconds'], ['days', 'seconds'], ['weeks', 'seconds'],
  ['kelvins', 'kelvin'], ['fahrenheit', 'celsius'], ['rankine', 'celsius'],
  ['inches', 'meters'], ['yards', 'meters'], ['miles', 'meters'],
  ['bits', 'bytes'], ['calories', 'joules'], ['pounds', 'grams'], ['ounces', 'grams'],
];

const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi', ''];

const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

/** dto.MetricType names in enum order, UNTYPED left out as promlint does. */
const TYPE_NAMES = ['counter', 'gauge', 'summary', 'histogram', 'gauge_histogram'];

const CAMEL_CASE = /[a-z][A-Z]/;

/** Lints the families; returns the problems sorted as promtool prints them. */
export function lintFamilies(families: readonly TextFamily[]): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const f of families) {
    const add = (text: string): void => void problems.push({ metric: f.name, text });
    lintHelp(f, add);
    lintUnits(f, add);
    lintCounter(f, add);
    lintReserved(f, add);
    lintTypeInName(f, add);
    if (f.name.includes(':')) add("metric names should not contain ':'");
    lintCamelCase(f, add);
    lintAbbreviations(f, add);
  }
  return problems.sort((a, b) => compareBytes(a.metric, b.metric) || compareBytes(a.text, b.text));
}

type Add = (text: string) => void;

function lintHelp(f: TextFamily, add: Add): void {
  if (f.help === undefined) add('no help text');
}

function lintUnits(f: TextFamily, add: Add): void {
  const parts = f.name.split('_');
  for (const [unit, base] of UNITS) {
    for (const prefix of UNIT_PREFIXES) {
      if (parts.includes(prefix + unit)) {
        if (prefix + unit !== base) add(`use base unit "${base}" instead of "${prefix + unit}"`);
        return;
      }
    }
  }
}

function lintCounter(f: TextFamily, add: Add): void {
  const total = f.name.endsWith('_total');
  if (f.type === 'counter' && !total) add('counter metrics should have "_total" suffix');
  else if (f.type !== 'untyped' && f.type !== 'counter' && total) add('non-counter metrics should not have "_total" suffix');
}

function lintReserved(f: TextFamily, add: Add): void {
  if (f.type === 'untyped') return;
  const histogram = f.type === 'histogram';
  const summary = f.type === 'summary';
  if (!histogram && f.name.endsWith('_bucket')) add('non-histogram metrics should not have "_bucket" suffix');
  if (!histogram && !summary && f.name.endsWith('_count')) add('non-histogram and non-summary metrics should not have "_count" suffix');
  if (!histogram && !summary && f.name.endsWith('_sum')) add('non-histogram and non-summary metrics should not have "_sum" suffix');
  for (const m of f.metrics) {
    for (const l of m.labels) {
      if (!histogram && l.name === 'le') add('non-histogram metrics should not have "le" label');
      if (!summary && l.name === 'quantile') add('non-summary metrics should not have "quantile" label');
    }
  }
}

function lintTypeInName(f: TextFamily, add: Add): void {
  const n = f.name.toLowerCase();
  for (const t of TYPE_NAMES) {
    if (n.includes(`_${t}_`) || n.endsWith(`_${t}`)) add(`metric name should not include type '${t}'`);
  }
}

function lintCamelCase(f: TextFamily, add: Add): void {
  if (CAMEL_CASE.test(f.name)) add("metric names should be written in 'snake_case' not 'camelCase'");
  for (const m of f.metrics) {
    for (const l of m.labels) if (CAMEL_CASE.test(l.name)) add("label names should be written in 'snake_case' not 'camelCase'");
  }
}

function lintAbbreviations(f: TextFamily, add: Add): void {
  const n = f.name.toLowerCase();
  for (const s of UNIT_ABBREVIATIONS) {
    if (n.includes(`_${s}_`) || n.endsWith(`_${s}`)) add('metric names should not contain abbreviated units');
  }
}

/** Go's string order (UTF-8 bytes); metric names and problem texts are ASCII. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CardinalityRow {
  readonly name: string;
  readonly cardinality: number;
}

/**
 * `promtool check metrics --extended`: series per family (histograms and summaries count their buckets or
 * quantiles, taken from the first metric, plus sum and count), largest first; equal counts keep the
 * order of the input (promtool's order for them follows Go's map iteration and varies).
 */
export function cardinalities(families: readonly TextFamily[]): CardinalityRow[] {
  const rows = families.map((f) => {
    const n = f.metrics.length;
    if (f.type === 'histogram') return { name: f.name, cardinality: n * (2 + f.metrics[0]!.buckets) };
    if (f.type === 'summary') return { name: f.name, cardinality: n * (2 + f.metrics[0]!.quantiles) };
    return { name: f.name, cardinality: n };
  });
  return rows.sort((a, b) => b.cardinality - a.cardinality);
}
