// PromQL back to text, as Prometheus 2.42 prints an expression (promql/parser/printer.go String) and
// formats it for /api/v1/format_query (prettier.go Pretty: a node longer than 100 characters is split over
// lines, children indented by two spaces per level).

import { formatGoFloat } from '../../format/go-float.js';
import { goQuote } from '../../format/go-quote.js';
import { formatDuration } from '../../model/duration.js';
import { METRIC_NAME, compareStrings } from '../../model/labels.js';
import type { AggregateExpr, AtModifier, BinaryExpr, Expr, SubqueryExpr, VectorSelector } from '../../promql/ast.js';

const MAX_CHARACTERS_PER_LINE = 100;

/** The expression on one line, as Prometheus's String(). */
export function exprString(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral': return formatGoFloat(e.value);
    case 'StringLiteral': return goQuote(e.value);
    case 'ParenExpr': return `(${exprString(e.expr)})`;
    case 'UnaryExpr': return `${e.op}${exprString(e.expr)}`;
    case 'VectorSelector': return vectorSelectorString(e, true);
    case 'MatrixSelector':
      return `${vectorSelectorString(e.vector, false)}[${formatDuration(e.range)}]${atString(e.vector.at)}${offsetString(e.vector.offset)}`;
    case 'SubqueryExpr': return exprString(e.expr) + subquerySuffix(e);
    case 'BinaryExpr': return `${exprString(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)} ${exprString(e.rhs)}`;
    case 'AggregateExpr': return `${aggregateHead(e)}(${e.param ? `${exprString(e.param)}, ` : ''}${exprString(e.expr)})`;
    case 'Call': return `${e.func}(${e.args.map(exprString).join(', ')})`;
  }
}

/** The expression formatted as format_query answers (Prometheus's Pretty(0)). */
export function prettyExpr(e: Expr, level = 0): string {
  const indent = '  '.repeat(level);
  const flat = exprString(e);
  const split = flat.length > MAX_CHARACTERS_PER_LINE;
  switch (e.type) {
    case 'AggregateExpr': {
      if (!split) return indent + flat;
      const param = e.param ? `${prettyExpr(e.param, level + 1)},\n` : '';
      return `${indent}${aggregateHead(e)}(\n${param}${prettyExpr(e.expr, level + 1)}\n${indent})`;
    }
    case 'BinaryExpr': {
      if (!split) return indent + flat;
      const op = `${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)}`;
      return `${prettyExpr(e.lhs, level + 1)}\n${indent}${op}\n${prettyExpr(e.rhs, level + 1)}`;
    }
    case 'Call': {
      if (!split) return indent + flat;
      return `${indent}${e.func}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(',\n')}\n${indent})`;
    }
    case 'ParenExpr':
      if (!split) return indent + flat;
      return `${indent}(\n${prettyExpr(e.expr, level + 1)}\n${indent})`;
    case 'SubqueryExpr':
      // As 2.42: an unsplit subquery is not indented.
      return split ? prettyExpr(e.expr, level) + subquerySuffix(e) : flat;
    case 'UnaryExpr':
      return `${indent}${e.op}${prettyExpr(e.expr, level).trim()}`;
    default:
      return indent + flat;
  }
}

function vectorSelectorString(vs: VectorSelector, modifiers: boolean): string {
  const name = vs.name ?? '';
  const matchers = vs.matchers
    .filter((m) => !(m.name === METRIC_NAME && m.type === '=' && m.value === name))
    .map((m) => m.toString())
    .sort(compareStrings);
  const suffix = modifiers ? atString(vs.at) + offsetString(vs.offset) : '';
  return matchers.length === 0 ? name + suffix : `${name}{${matchers.join(',')}}${suffix}`;
}

function offsetString(ms: number): string {
  if (ms > 0) return ` offset ${formatDuration(ms)}`;
  if (ms < 0) return ` offset -${formatDuration(-ms)}`;
  return '';
}

function atString(at: AtModifier | undefined): string {
  if (at === undefined) return '';
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function subquerySuffix(e: SubqueryExpr): string {
  const step = e.step !== 0 ? formatDuration(e.step) : '';
  return `[${formatDuration(e.range)}:${step}]${atString(e.at)}${offsetString(e.offset)}`;
}

function aggregateHead(e: AggregateExpr): string {
  if (e.without) return `${e.op} without (${e.grouping.join(', ')}) `;
  if (e.grouping.length > 0) return `${e.op} by (${e.grouping.join(', ')}) `;
  return e.op;
}

function matchingString(e: BinaryExpr): string {
  const vm = e.matching;
  if (vm === undefined || (vm.matchingLabels.length === 0 && !vm.on)) return '';
  let s = ` ${vm.on ? 'on' : 'ignoring'} (${vm.matchingLabels.join(', ')})`;
  if (vm.card === 'many-to-one' || vm.card === 'one-to-many') {
    s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
  }
  return s;
}
