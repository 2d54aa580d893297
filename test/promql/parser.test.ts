import { describe, expect, it } from 'vitest';
import { parseExpr, PromQLParseError, typeOf } from '../../src/promql/parser.js';

describe('parseExpr', () => {
  it.each([
    ['SUM(x) BY (job)', 'AggregateExpr', 'vector'],
    ['rate(foo{a=~"x.*"}[5m] @ start())', 'Call', 'vector'],
    ['foo[5m:] offset -1m', 'SubqueryExpr', 'matrix'],
    ['1 == bool 2', 'BinaryExpr', 'scalar'],
    ['holt_winters(a[5m], 0.1, 0.5)', 'Call', 'vector'],
    ["'a\\n'", 'StringLiteral', 'string'],
    ['-metric @ 100', 'UnaryExpr', 'vector'],
    ['label_join(x, "d", ",")', 'Call', 'vector'],
    ['2.', 'NumberLiteral', 'scalar'],
  ])('%s', (q, type, valueType) => {
    const e = parseExpr(q);
    expect(e.type).toBe(type);
    expect(typeOf(e)).toBe(valueType);
  });

  it('reads modifiers, matching and literals', () => {
    expect(parseExpr('a offset 5m @ 100')).toMatchObject({ type: 'VectorSelector', offset: 300_000, at: { kind: 'time', ms: 100_000 } });
    expect(parseExpr('a + on(b) group_left(c) d')).toMatchObject({ matching: { card: 'many-to-one', on: true, matchingLabels: ['b'], include: ['c'] } });
    expect(parseExpr('a or b')).toMatchObject({ matching: { card: 'many-to-many' } });
    expect(parseExpr('0x1f')).toEqual({ type: 'NumberLiteral', value: 31 });
    expect(parseExpr('010')).toEqual({ type: 'NumberLiteral', value: 8 });
    expect(parseExpr('-inF')).toEqual({ type: 'NumberLiteral', value: -Infinity });
    expect(parseExpr('"\\u00e9\\x41\\101"')).toEqual({ type: 'StringLiteral', value: 'éAA' });
    // the modifier binds to the rightmost operand, not the whole binary expression
    const e = parseExpr('metric1 offset 15m or metric2 offset 45m');
    expect(e).toMatchObject({ lhs: { offset: 900_000 }, rhs: { offset: 2_700_000 } });
  });

  it.each([
    ['1 > 2', 'comparisons between scalars must use BOOL modifier'],
    ['rate(foo)', 'expected type range vector in call to function "rate", got instant vector'],
    ['foo{', 'unexpected end of input'],
    ['{a=""}', 'vector selector must contain at least one non-empty matcher'],
    ['nope(x)', 'unknown function with name "nope"'],
    ['double_exponential_smoothing(x[5m], 0.1, 0.1)', 'unknown function'],
    ['x[5m] + 1', 'binary expression must contain only scalar and instant vector types'],
    ['a and 1', 'set operator "and" not allowed in binary scalar expression'],
    ['foo offset 1m offset 2m', 'offset may not be set multiple times'],
    ['{a=~"(.*"}', 'missing closing )'],
  ])('rejects %s', (q, message) => {
    expect(() => parseExpr(q)).toThrow(PromQLParseError);
    expect(() => parseExpr(q)).toThrow(message);
  });
});
