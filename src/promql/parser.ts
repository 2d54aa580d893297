// PromQL text to our AST. The official lezer grammar (@prometheus-io/lezer-promql) finds the structure;
// this adapter applies Prometheus 2.42's rules on top (promql/parser/parse.go checkAST): the grammar is
// newer than 2.42, so its later additions (duration arithmetic, quoted label names, fill/anchored/smoothed,
// new functions) are refused here, and 2.42's `holt_winters` is recognised although the grammar dropped it.

import { parser as lezer } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { Matcher, MatcherError, type MatchType } from '../model/matchers.js';
import { METRIC_NAME } from '../model/labels.js';
import { parseDuration, DurationError } from '../model/duration.js';
import { unquoteString, StringLiteralError } from './strings.js';
import { FUNCTIONS } from './function-signatures.js';
import { goLex, type GoLexResult } from './lexer.js';
import { RE2JS } from 're2js';
import {
  COMPARISON_OPS, SET_OPS,
  type AggregateOp, type AtModifier, type BinaryOp, type Expr, type ValueType, type VectorMatching, type VectorSelector,
} from './ast.js';

/** A query that does not parse; the message reads like Prometheus's `line:col: parse error: ...`. */
export class PromQLParseError extends Error {
  override readonly name = 'PromQLParseError';
  /** Prometheus's API errorType for it. */
  readonly errorType = 'bad_data';
  constructor(
    readonly position: { line: number; column: number },
    readonly detail: string,
    /** Offset in the query (UTF-16 units) the position points at. */
    readonly offset = 0,
  ) {
    super(`${position.line}:${position.column}: parse error: ${detail}`);
  }
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^', Mul: '*', Div: '/', Mod: '%', Atan2: 'atan2', Add: '+', Sub: '-', Eql: '==', Neq: '!=', Gte: '>=',
  Gtr: '>', Lte: '<=', Lss: '<', And: 'and', Or: 'or', Unless: 'unless',
};
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };
const AGGREGATE_OPS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values']);
const TYPE_NAMES: Record<ValueType, string> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };

// holt_winters left the grammar (renamed in 3.x); a same-length name the grammar knows stands in for it.
const HOLT_WINTERS = /\bholt_winters(?=\s*\()/g;
const HOLT_WINTERS_STAND_IN = 'day_of_month';
const TRAILING_DOT_NUMBER = /(?<![A-Za-z0-9_:.])(\d+)\.(?![\d.eE])/g;

/** Parses a PromQL expression. Throws PromQLParseError. */
export function parseExpr(text: string): Expr {
  return new Adapter(text).parse();
}

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'VectorSelector': case 'AggregateExpr': return 'vector';
    case 'MatrixSelector': case 'SubqueryExpr': return 'matrix';
    case 'ParenExpr': case 'UnaryExpr': return typeOf(e.expr);
    case 'BinaryExpr': return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'Call': return FUNCTIONS.get(e.func)!.returns;
  }
}

class Adapter {
  private readonly source: string;
  private readonly holtWintersAt = new Set<number>();
  private readonly starts = new WeakMap<Expr, number>();

  constructor(private readonly text: string) {
    // Rewrites keep every offset, so positions in the tree are positions in `text`.
    this.source = text
      .replace(HOLT_WINTERS, (_m, offset: number) => {
        this.holtWintersAt.add(offset);
        return HOLT_WINTERS_STAND_IN;
      })
      .replace(TRAILING_DOT_NUMBER, '$1 '); // Go reads `2.` as a number, the grammar does not
  }

  parse(): Expr {
    const lexed = goLex(this.text);
    if (!lexed.error && lexed.tokens.length === 1) throw this.error(0, 'no expression found in input');
    const tree = lezer.parse(this.source);
    let errorNode: SyntaxNode | undefined;
    tree.iterate({
      enter: (n) => {
        if (n.type.isError && errorNode === undefined) errorNode = n.node;
        return errorNode === undefined;
      },
    });
    this.checkLiterals(lexed, errorNode?.from ?? Infinity);
    // 2.42's lexer runs ahead of its parser one token at a time: whichever fails first is reported.
    if (errorNode !== undefined) throw this.syntaxError(errorNode, lexed);
    if (lexed.error) throw this.error(lexed.error.offset, lexed.error.message);
    return this.expr(kids(tree.topNode)[0]!);
  }

  /** 2.42 converts number and duration tokens as its parser reduces them; the first bad one before `limit` fails. */
  private checkLiterals(lexed: GoLexResult, limit: number): void {
    for (const t of lexed.tokens) {
      if (t.start >= limit) return;
      const text = this.text.slice(t.start, t.end);
      if (t.desc.startsWith('number ') && parseGoNumber(text.replace(/^[+-]/, '')) === undefined) {
        throw this.error(t.start, `error parsing number: strconv.ParseFloat: parsing "${text}": invalid syntax`);
      }
      if (t.desc.startsWith('duration ')) {
        try {
          parseDuration(text);
        } catch (e) {
          if (e instanceof DurationError) throw this.error(t.start, e.message);
          throw e;
        }
      }
    }
  }

  /** The grammar rejected the query at `at`: 2.42's lexer error if it comes first, else `unexpected <token>`. */
  private syntaxError(node: SyntaxNode, lexed: GoLexResult): PromQLParseError {
    const at = node.from;
    const k = lexed.tokens.findIndex((t) => t.end > at || (t.desc === 'end of input' && t.start >= at));
    if (k < 0 && lexed.error) return this.error(lexed.error.offset, lexed.error.message);
    const token = lexed.tokens[k < 0 ? lexed.tokens.length - 1 : k]!;
    const previous = lexed.tokens[k - 1];
    if (token.desc === '"("' && previous?.desc.startsWith('identifier ') && !this.holtWintersAt.has(previous.start)) {
      const name = this.text.slice(previous.start, previous.end);
      if (!FUNCTIONS.has(name)) return this.error(previous.start, `unknown function with name "${name}"`);
    }
    return this.error(token.start, `unexpected ${token.desc}${token.desc === 'end of input' ? '' : errorContext(node)}`);
  }

  private expr(n: SyntaxNode): Expr {
    const e = this.exprAt(n);
    if (!this.starts.has(e)) this.starts.set(e, n.from);
    return e;
  }

  /** Where an expression starts in the query, for errors that point at it. */
  private startOf(e: Expr): number {
    return this.starts.get(e) ?? 0;
  }

  private exprAt(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral': return { type: 'NumberLiteral', value: this.number(n) };
      case 'StringLiteral': return { type: 'StringLiteral', value: this.string(n) };
      case 'VectorSelector': return this.vectorSelector(n);
      case 'ParenExpr': return { type: 'ParenExpr', expr: this.expr(kids(n)[0]!) };
      case 'UnaryExpr': return this.unary(n);
      case 'BinaryExpr': return this.binary(n);
      case 'AggregateExpr': return this.aggregate(n);
      case 'FunctionCall': return this.call(n);
      case 'MatrixSelector': return this.matrix(n);
      case 'SubqueryExpr': return this.subquery(n);
      case 'OffsetExpr': return this.offset(n);
      case 'StepInvariantExpr': return this.at(n);
      default: throw this.error(n.from, `unsupported syntax (${n.name}) in PromQL 2.42`);
    }
  }

  private number(n: SyntaxNode): number {
    const raw = this.slice(n).replace(/\s+/g, '');
    const sign = raw[0] === '-' ? -1 : 1;
    const body = raw[0] === '-' || raw[0] === '+' ? raw.slice(1) : raw;
    const v = parseGoNumber(body);
    if (v === undefined) throw this.error(n.from, `unexpected duration "${body}"`);
    return sign * v;
  }

  private string(n: SyntaxNode): string {
    try {
      return unquoteString(this.slice(n));
    } catch (e) {
      if (e instanceof StringLiteralError) throw this.error(n.from, e.message);
      throw e;
    }
  }

  private vectorSelector(n: SyntaxNode): VectorSelector {
    let name: string | undefined;
    const matchers: Matcher[] = [];
    for (const k of kids(n)) {
      if (k.name === 'Identifier') name = this.slice(k);
      else for (const m of kids(k)) matchers.push(this.matcher(m));
    }
    if (name !== undefined) {
      for (const m of matchers) {
        if (m.name === METRIC_NAME) throw this.error(n.from, `metric name must not be set twice: "${name}" or "${m.value}"`);
      }
      matchers.push(new Matcher('=', METRIC_NAME, name));
    }
    if (!matchers.some((m) => !m.matches(''))) {
      throw this.error(n.from, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'VectorSelector', name, matchers, offset: 0, at: undefined };
  }

  private matcher(n: SyntaxNode): Matcher {
    if (n.name !== 'UnquotedLabelMatcher') throw this.error(n.from, 'quoted label names are not PromQL 2.42');
    const [label, op, value] = kids(n);
    const type = MATCH_OPS[kids(op!)[0]!.name]!;
    try {
      return new Matcher(type, this.slice(label!), this.string(value!));
    } catch (e) {
      if (e instanceof MatcherError) throw this.error(n.from, this.regexMessage(this.string(value!), e.message));
      throw e;
    }
  }

  /** Go compiles only the anchored form, so its message quotes that when the anchored form fails too. */
  private regexMessage(pattern: string, message: string): string {
    try {
      RE2JS.compile('^(?:' + pattern + ')$');
      return message;
    } catch (e) {
      return e instanceof Error ? e.message : message;
    }
  }

  private unary(n: SyntaxNode): Expr {
    const [opNode, operand] = kids(n);
    const op = this.slice(opNode!) as '-' | '+';
    const inner = this.expr(operand!);
    const t = typeOf(inner);
    if (t !== 'scalar' && t !== 'vector') {
      throw this.error(n.from, `unary expression only allowed on expressions of type scalar or instant vector, got "${TYPE_NAMES[t]}"`);
    }
    if (inner.type === 'NumberLiteral') return op === '-' ? { type: 'NumberLiteral', value: -inner.value } : inner;
    return { type: 'UnaryExpr', op, expr: inner };
  }

  private binary(n: SyntaxNode): Expr {
    const parts = kids(n);
    const lhs = this.expr(parts[0]!);
    const rhs = this.expr(parts[parts.length - 1]!);
    const op = BINARY_OPS[parts[1]!.name];
    if (op === undefined) throw this.error(parts[1]!.from, `operator "${this.slice(parts[1]!)}" is not PromQL 2.42`);
    let returnBool = false;
    let clause: SyntaxNode | undefined;
    for (const p of parts.slice(2, -1)) {
      if (p.name === 'BoolModifier') returnBool = true;
      else if (p.name === 'MatchingModifierClause') clause = p;
      else throw this.error(p.from, `${this.slice(p)} is not PromQL 2.42`);
    }
    const isSet = SET_OPS.has(op);
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (clause && !(lt === 'vector' && rt === 'vector')) throw this.error(n.from, 'vector matching only allowed between instant vectors');
    const matching = lt === 'vector' && rt === 'vector' ? this.matching(clause, isSet, op, n.from, parts[1]!.from) : undefined;
    const e = this.checkedBinary(op, lhs, rhs, returnBool, matching, n.from, parts[1]!.from);
    this.starts.set(e, this.startOf(lhs));
    return e;
  }

  private checkedBinary(op: BinaryOp, lhs: Expr, rhs: Expr, returnBool: boolean, matching: VectorMatching | undefined, at: number, opAt = at): Expr {
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if ((lt !== 'scalar' && lt !== 'vector') || (rt !== 'scalar' && rt !== 'vector')) {
      throw this.error(at, 'binary expression must contain only scalar and instant vector types');
    }
    const comparison = COMPARISON_OPS.has(op);
    if (returnBool && !comparison) throw this.error(opAt, 'bool modifier can only be used on comparison operators');
    if (comparison && lt === 'scalar' && rt === 'scalar' && !returnBool) {
      throw this.error(opAt, 'comparisons between scalars must use BOOL modifier');
    }
    const isSet = SET_OPS.has(op);
    if (isSet && (lt === 'scalar' || rt === 'scalar')) throw this.error(at, `set operator "${op}" not allowed in binary scalar expression`);
    if (lt === 'vector' && rt === 'vector' && !matching) matching = this.matching(undefined, isSet, op);
    if (!(lt === 'vector' && rt === 'vector')) matching = undefined;
    return { type: 'BinaryExpr', op, lhs, rhs, returnBool, matching };
  }

  private matching(clause: SyntaxNode | undefined, isSet: boolean, op: BinaryOp, exprAt = 0, opAt = 0): VectorMatching {
    if (!clause) return { card: isSet ? 'many-to-many' : 'one-to-one', matchingLabels: [], on: false, include: [] };
    const parts = kids(clause);
    const on = parts[0]!.name === 'On';
    const matchingLabels = this.labelList(parts[1]!);
    let card: VectorMatching['card'] = isSet ? 'many-to-many' : 'one-to-one';
    let include: string[] = [];
    if (parts[2]) {
      if (isSet) throw this.error(exprAt, `no grouping allowed for "${op}" operation`);
      card = parts[2].name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
      if (parts[3]) include = this.labelList(parts[3]);
    }
    if (on) {
      for (const l of include) {
        if (matchingLabels.includes(l)) throw this.error(opAt, `label "${l}" must not occur in ON and GROUP clause at once`);
      }
    }
    return { card, matchingLabels, on, include };
  }

  private labelList(n: SyntaxNode): string[] {
    return kids(n).map((k) => {
      if (k.name !== 'LabelName') throw this.error(k.from, 'quoted label names are not PromQL 2.42');
      return this.slice(k);
    });
  }

  private aggregate(n: SyntaxNode): Expr {
    let op = '';
    let grouping: string[] = [];
    let without = false;
    let args: Expr[] = [];
    for (const k of kids(n)) {
      if (k.name === 'AggregateOp') op = this.slice(k).toLowerCase();
      else if (k.name === 'FunctionCallBody') args = kids(k).map((a) => this.expr(a));
      else {
        const [kind, labels] = kids(k);
        without = kind!.name === 'Without';
        grouping = this.labelList(labels!);
      }
    }
    if (!AGGREGATE_OPS.has(op)) throw this.error(n.from, `aggregation "${op}" is not PromQL 2.42`);
    if (args.length === 0) throw this.error(n.from, 'no arguments for aggregate expression provided');
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = needsParam ? 2 : 1;
    if (args.length !== want) throw this.error(n.from, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    const expr = args[want - 1]!;
    const param = needsParam ? args[0] : undefined;
    if (param) {
      const want = op === 'count_values' ? 'string' : 'scalar';
      if (typeOf(param) !== want) throw this.error(this.startOf(param), `expected type ${TYPE_NAMES[want]} in aggregation parameter, got ${TYPE_NAMES[typeOf(param)]}`);
    }
    if (typeOf(expr) !== 'vector') throw this.error(this.startOf(expr), `expected type instant vector in aggregation expression, got ${TYPE_NAMES[typeOf(expr)]}`);
    return { type: 'AggregateExpr', op: op as AggregateOp, expr, param, grouping, without };
  }

  private call(n: SyntaxNode): Expr {
    const [ident, body] = kids(n);
    const func = this.holtWintersAt.has(ident!.from) ? 'holt_winters' : this.slice(ident!);
    const signature = FUNCTIONS.get(func);
    if (!signature) throw this.error(n.from, `unknown function with name "${func}"`);
    const args = kids(body!).map((a) => this.expr(a));
    const fixed = signature.args.length;
    const min = signature.variadic === 0 ? fixed : fixed - 1;
    const max = signature.variadic === 0 ? fixed : signature.variadic > 0 ? fixed + signature.variadic - 1 : Infinity;
    if (signature.variadic === 0 && args.length !== fixed) {
      throw this.error(n.from, `expected ${fixed} argument(s) in call to "${func}", got ${args.length}`);
    }
    if (args.length < min) throw this.error(n.from, `expected at least ${min} argument(s) in call to "${func}", got ${args.length}`);
    if (args.length > max) throw this.error(n.from, `expected at most ${max} argument(s) in call to "${func}", got ${args.length}`);
    args.forEach((a, i) => {
      const want = signature.args[Math.min(i, fixed - 1)]!;
      const got = typeOf(a);
      if (got !== want) throw this.error(this.startOf(a), `expected type ${TYPE_NAMES[want]} in call to function "${func}", got ${TYPE_NAMES[got]}`);
    });
    return { type: 'Call', func, args };
  }

  private matrix(n: SyntaxNode): Expr {
    const [inner, range] = kids(n);
    return this.applyPostfix(this.expr(inner!), n.from, (vector) => this.makeMatrix(vector, n, range!));
  }

  private makeMatrix(vector: Expr, n: SyntaxNode, range: SyntaxNode): Expr {
    if (vector.type !== 'VectorSelector') throw this.error(this.text.lastIndexOf('[', range!.from), 'ranges only allowed for vector selectors');
    if (vector.offset !== 0) throw this.error(n.from, 'no offset modifiers allowed before range');
    if (vector.at) throw this.error(n.from, 'no @ modifiers allowed before range');
    return { type: 'MatrixSelector', vector, range: this.duration(range!) };
  }

  private subquery(n: SyntaxNode): Expr {
    const [inner, range, step] = kids(n);
    return this.applyPostfix(this.expr(inner!), n.from, (expr) => this.makeSubquery(expr, n, range!, step));
  }

  private makeSubquery(expr: Expr, n: SyntaxNode, range: SyntaxNode, step: SyntaxNode | undefined): Expr {
    if (typeOf(expr) !== 'vector') throw this.error(n.from, `subquery is only allowed on instant vector, got ${TYPE_NAMES[typeOf(expr)]}`);
    return { type: 'SubqueryExpr', expr, range: this.duration(range), step: step ? this.duration(step) : 0, offset: 0, at: undefined };
  }

  /**
   * The grammar attaches a postfix modifier to a whole `a op b` or `-a`; in PromQL it binds tighter than
   * any operator, so it belongs to the rightmost operand.
   */
  private applyPostfix(e: Expr, at: number, apply: (operand: Expr) => Expr): Expr {
    if (e.type === 'BinaryExpr') {
      const rhs = this.applyPostfix(e.rhs, at, apply);
      return this.checkedBinary(e.op, e.lhs, rhs, e.returnBool, e.matching, at);
    }
    if (e.type === 'UnaryExpr') {
      const operand = this.applyPostfix(e.expr, at, apply);
      const t = typeOf(operand);
      if (t !== 'scalar' && t !== 'vector') {
        throw this.error(this.startOf(e), `unary expression only allowed on expressions of type scalar or instant vector, got "${TYPE_NAMES[t]}"`);
      }
      return { ...e, expr: operand };
    }
    return apply(e);
  }

  private offset(n: SyntaxNode): Expr {
    const [inner, , durationNode] = kids(n);
    return this.applyPostfix(this.expr(inner!), n.from, (e) => this.applyOffset(e, n, durationNode!));
  }

  private applyOffset(e: Expr, n: SyntaxNode, durationNode: SyntaxNode): Expr {
    let sign = 1;
    let d = durationNode!;
    while (d.name === 'OffsetDurationExpr' && kids(d).length === 2) {
      if (this.slice(kids(d)[0]!) === '-') sign = -sign;
      d = kids(d)[1]!;
    }
    let literal = d;
    while (kids(literal).length === 1) literal = kids(literal)[0]!;
    if (parseGoNumber(this.slice(literal)) !== undefined) {
      throw this.error(literal.from, `unexpected number "${this.slice(literal)}" in offset, expected duration`);
    }
    const ms = sign * this.duration(d);
    const target = e.type === 'MatrixSelector' ? e.vector : e;
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      throw this.error(n.from, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (target.offset !== 0) throw this.error(n.from, 'offset may not be set multiple times');
    target.offset = ms;
    return e;
  }

  private at(n: SyntaxNode): Expr {
    const [inner, , value] = kids(n);
    return this.applyPostfix(this.expr(inner!), n.from, (e) => this.applyAt(e, n, value!));
  }

  private applyAt(e: Expr, n: SyntaxNode, value: SyntaxNode): Expr {
    let at: AtModifier;
    if (value!.name === 'AtModifierPreprocessors') {
      at = { kind: kids(value!)[0]!.name === 'AtStart' ? 'start' : 'end' };
    } else {
      const seconds = this.number(value!);
      if (!(seconds < 2 ** 63 && seconds > -(2 ** 63))) throw this.error(n.from, `timestamp out of bounds for @ modifier: ${formatGoF(seconds)}`);
      at = { kind: 'time', ms: Math.round(seconds * 1000) };
    }
    const target = e.type === 'MatrixSelector' ? e.vector : e;
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      throw this.error(n.from, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (target.at) throw this.error(n.from, '@ <timestamp> may not be set multiple times');
    target.at = at;
    return e;
  }

  /** A duration in a range, subquery or offset: one literal with units (2.42 has no duration arithmetic). */
  private duration(n: SyntaxNode): number {
    let d = n;
    while (d.name === 'DurationExpr' || d.name === 'OffsetDurationExpr') {
      const k = kids(d);
      if (k.length !== 1) throw this.error(d.from, 'duration arithmetic is not PromQL 2.42');
      d = k[0]!;
    }
    if (d.name !== 'NumberDurationLiteralInDurationContext') throw this.error(d.from, 'duration functions are not PromQL 2.42');
    const text = this.slice(d);
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch (e) {
      if (e instanceof DurationError) throw this.error(d.from, e.message);
      throw e;
    }
    if (ms === 0) throw this.error(d.from, 'duration must be greater than 0');
    return ms;
  }

  private slice(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  private unexpected(at: number): string {
    if (at >= this.text.length) return 'unexpected end of input';
    const name = /[A-Za-z_:][A-Za-z0-9_:]*\s*$/.exec(this.text.slice(0, at))?.[0].trim();
    if (name && this.text[at] === '(' && !this.holtWintersAt.size) return `unknown function with name "${name}"`;
    return `unexpected character: '${String.fromCodePoint(this.text.codePointAt(at)!)}'`;
  }

  private error(offset: number, detail: string): PromQLParseError {
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    return new PromQLParseError({ line, column }, detail, offset);
  }
}

/** 2.42's yacc rules name where they failed and what they wanted; the common places, by grammar node. */
function errorContext(error: SyntaxNode): string {
  const parent = error.parent?.name;
  const previous = error.prevSibling?.name;
  switch (parent) {
    case 'GroupingLabels': return ' in grouping opts, expected "," or ")"';
    case 'LabelMatchers': return previous === undefined ? ' in label matching, expected identifier or "}"' : ' in label matching, expected "," or "}"';
    case 'StepInvariantExpr': return previous === 'At' ? ' in @, expected timestamp' : '';
    case 'OffsetExpr': return previous === 'Offset' ? ' in offset, expected duration' : '';
    case 'AggregateExpr': return previous === 'AggregateModifier' ? ' in aggregation' : '';
    default: return '';
  }
}

/** The named children of a node (the grammar's punctuation is anonymous and absent). */
function kids(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/**
 * A PromQL number as 2.42 reads it: an integer with Go's base prefixes first (so `010` is octal 8,
 * `0x1F` hex), then a decimal float, or Inf/NaN in any letter case. Undefined for a duration like `5m`.
 */
export function parseGoNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  return undefined;
}

/** Go's %f: six decimals, every integer digit (no exponent), +Inf/-Inf/NaN. */
function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return BigInt(v).toString() + '.000000';
}
