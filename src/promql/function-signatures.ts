// The functions of Prometheus 2.42 (promql/parser/functions.go): argument types, how many trailing
// arguments are optional, and the return type. The parser checks calls against this table.

import type { ValueType } from './ast.js';

export interface FunctionSignature {
  readonly args: readonly ValueType[];
  /** 0: exactly `args`; n > 0: the last n may be left out; -1: the last type repeats any number of times. */
  readonly variadic: number;
  readonly returns: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const sig = (args: ValueType[], returns: ValueType, variadic = 0): FunctionSignature => ({ args, variadic, returns });

const vectorMath = ['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'ceil', 'cos', 'cosh', 'deg', 'exp',
  'floor', 'ln', 'log10', 'log2', 'rad', 'sgn', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'sort', 'sort_desc',
  'histogram_count', 'histogram_sum', 'absent'];
const overTime = ['avg_over_time', 'count_over_time', 'last_over_time', 'max_over_time', 'min_over_time',
  'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'absent_over_time',
  'changes', 'delta', 'deriv', 'idelta', 'increase', 'irate', 'rate', 'resets'];
const dateFns = ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'];

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ...vectorMath.map((n) => [n, sig([V], V)] as const),
  ...overTime.map((n) => [n, sig([M], V)] as const),
  ...dateFns.map((n) => [n, sig([V], V, 1)] as const),
  ['clamp', sig([V, S, S], V)],
  ['clamp_max', sig([V, S], V)],
  ['clamp_min', sig([V, S], V)],
  ['histogram_fraction', sig([S, S, V], V)],
  ['histogram_quantile', sig([S, V], V)],
  ['holt_winters', sig([M, S, S], V)],
  ['label_join', sig([V, STR, STR, STR], V, -1)],
  ['label_replace', sig([V, STR, STR, STR, STR], V)],
  ['pi', sig([], S)],
  ['predict_linear', sig([M, S], V)],
  ['quantile_over_time', sig([S, M], V)],
  ['round', sig([V, S], V, 1)],
  ['scalar', sig([V], S)],
  ['time', sig([], S)],
  ['timestamp', sig([V], V)],
  ['vector', sig([S], V)],
]);
