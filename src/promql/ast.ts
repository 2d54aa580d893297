// The PromQL syntax tree, after Prometheus 2.42's promql/parser/ast.go: the node kinds, the modifiers
// (offset, @) and the value type every expression evaluates to.

import type { Matcher } from '../model/matchers.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** `@ <time>` (milliseconds), `@ start()` or `@ end()`. */
export type AtModifier = { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

export interface NumberLiteral {
  readonly type: 'NumberLiteral';
  readonly value: number;
}

export interface StringLiteral {
  readonly type: 'StringLiteral';
  readonly value: string;
}

export interface VectorSelector {
  readonly type: 'VectorSelector';
  /** The metric name written before the braces, if any (it is also among the matchers). */
  readonly name: string | undefined;
  readonly matchers: readonly Matcher[];
  /** Offset in milliseconds (negative offsets look ahead). */
  offset: number;
  at: AtModifier | undefined;
}

export interface MatrixSelector {
  readonly type: 'MatrixSelector';
  readonly vector: VectorSelector;
  /** Range in milliseconds. */
  readonly range: number;
}

export interface SubqueryExpr {
  readonly type: 'SubqueryExpr';
  readonly expr: Expr;
  readonly range: number;
  /** Step in milliseconds; 0 when not written (the engine's default applies). */
  readonly step: number;
  offset: number;
  at: AtModifier | undefined;
}

export interface ParenExpr {
  readonly type: 'ParenExpr';
  readonly expr: Expr;
}

export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  readonly op: '-' | '+';
  readonly expr: Expr;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** How the two sides of a vector/vector operation are paired (on/ignoring, group_left/group_right). */
export interface VectorMatching {
  readonly card: Cardinality;
  /** Labels of on(...) when `on`, of ignoring(...) otherwise. */
  readonly matchingLabels: readonly string[];
  readonly on: boolean;
  /** Labels of group_left(...)/group_right(...), copied from the "one" side. */
  readonly include: readonly string[];
}

export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** `bool` after a comparison operator. */
  readonly returnBool: boolean;
  /** Present when both sides are instant vectors. */
  readonly matching: VectorMatching | undefined;
}

export type AggregateOp =
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'quantile' | 'count_values';

export interface AggregateExpr {
  readonly type: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** topk/bottomk k, quantile φ, count_values label name. */
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  /** `without (...)` rather than `by (...)`. */
  readonly without: boolean;
}

export interface Call {
  readonly type: 'Call';
  readonly func: string;
  readonly args: readonly Expr[];
}

export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr
  | ParenExpr | UnaryExpr | BinaryExpr | AggregateExpr | Call;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

/** Whether children of a node are visited (pre-order); `visit` returns false to skip a subtree. */
export function walk(expr: Expr, visit: (node: Expr, ancestors: readonly Expr[]) => boolean | void, ancestors: Expr[] = []): void {
  if (visit(expr, ancestors) === false) return;
  ancestors.push(expr);
  for (const child of children(expr)) walk(child, visit, ancestors);
  ancestors.pop();
}

export function children(expr: Expr): Expr[] {
  switch (expr.type) {
    case 'MatrixSelector': return [expr.vector];
    case 'SubqueryExpr': case 'ParenExpr': case 'UnaryExpr': return [expr.expr];
    case 'BinaryExpr': return [expr.lhs, expr.rhs];
    case 'AggregateExpr': return expr.param ? [expr.param, expr.expr] : [expr.expr];
    case 'Call': return [...expr.args];
    default: return [];
  }
}
