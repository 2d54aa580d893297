// Binary operators after Prometheus 2.42 (engine.go VectorBinop, VectorscalarBinop, And/Or/Unless):
// arithmetic and comparison between scalars and vectors, vector matching (on/ignoring, group_left/right)
// and the set operators.

import { type Labels, labelsKey, METRIC_NAME } from '../model/labels.js';
import { COMPARISON_OPS, type BinaryExpr, type BinaryOp, type VectorMatching } from './ast.js';
import { dropMetricName, goPow, withLabel, type Sample, type EvalValue as Value } from './value.js';
import { PromQLExecutionError } from './errors.js';

/** lhs op rhs for one pair of values; `keep` is false when a comparison filters the element out. */
export function scalarBinop(op: BinaryOp, lhs: number, rhs: number): { value: number; keep: boolean } {
  switch (op) {
    case '+': return { value: lhs + rhs, keep: true };
    case '-': return { value: lhs - rhs, keep: true };
    case '*': return { value: lhs * rhs, keep: true };
    case '/': return { value: lhs / rhs, keep: true };
    case '^': return { value: goPow(lhs, rhs), keep: true };
    case '%': return { value: lhs % rhs, keep: true };
    case 'atan2': return { value: Math.atan2(lhs, rhs), keep: true };
    case '==': return { value: lhs, keep: lhs === rhs };
    case '!=': return { value: lhs, keep: lhs !== rhs };
    case '>': return { value: lhs, keep: lhs > rhs };
    case '<': return { value: lhs, keep: lhs < rhs };
    case '>=': return { value: lhs, keep: lhs >= rhs };
    case '<=': return { value: lhs, keep: lhs <= rhs };
    default: throw new PromQLExecutionError(`operator "${op}" not allowed between scalars`);
  }
}

const DROPS_NAME = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^']);

export function binaryOp(e: BinaryExpr, lhs: Value, rhs: Value, t: number): Value {
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const { value, keep } = scalarBinop(e.op, lhs.v, rhs.v);
    return { kind: 'scalar', v: e.returnBool ? (keep ? 1 : 0) : value, t };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const m = e.matching!;
    switch (e.op) {
      case 'and': return vector(and(lhs.samples, rhs.samples, m));
      case 'or': return vector(or(lhs.samples, rhs.samples, m));
      case 'unless': return vector(unless(lhs.samples, rhs.samples, m));
      default: return vector(vectorBinop(e, lhs.samples, rhs.samples, m, t));
    }
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vector(vectorScalar(e, lhs.samples, rhs.v, false, t));
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vector(vectorScalar(e, rhs.samples, lhs.v, true, t));
  throw new PromQLExecutionError('binary expression must contain only scalar and instant vector types');
}

const vector = (samples: Sample[]): Value => ({ kind: 'vector', samples });

function vectorScalar(e: BinaryExpr, samples: readonly Sample[], scalar: number, swap: boolean, t: number): Sample[] {
  const out: Sample[] = [];
  const comparison = COMPARISON_OPS.has(e.op);
  for (const s of samples) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let { value, keep } = scalarBinop(e.op, l, r);
    if (comparison && swap) value = r; // the vector's value stays, whichever side it is on
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = DROPS_NAME.has(e.op) || e.returnBool ? dropMetricName(s.labels) : s.labels;
    out.push({ labels, v: value, t });
  }
  return out;
}

/** The key two samples must share to match: the `on` labels, or all but the `ignoring` ones and the name. */
export function matchSignature(ls: Labels, m: VectorMatching): string {
  let key = '';
  if (m.on) {
    for (const l of ls) if (m.matchingLabels.includes(l.name)) key += l.name + '\xff' + l.value + '\xff';
  } else {
    for (const l of ls) {
      if (l.name !== METRIC_NAME && !m.matchingLabels.includes(l.name)) key += l.name + '\xff' + l.value + '\xff';
    }
  }
  return key;
}

function vectorBinop(e: BinaryExpr, lhsIn: readonly Sample[], rhsIn: readonly Sample[], m: VectorMatching, t: number): Sample[] {
  if (m.card === 'many-to-many') throw new PromQLExecutionError('many-to-many only allowed for set operators');
  const swapped = m.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const right = new Map<string, Sample>();
  for (const s of rhs) {
    const sig = matchSignature(s.labels, m);
    const dup = right.get(sig);
    if (dup) {
      throw new PromQLExecutionError(
        `found duplicate series for the match group ${describeGroup(s.labels, m)} on the ${swapped ? 'left' : 'right'} hand-side of the operation: ` +
          '[' + describe(dup.labels) + ', ' + describe(s.labels) + '];many-to-many matching not allowed: matching labels must be unique on one side',
      );
    }
    right.set(sig, s);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const sig = matchSignature(ls.labels, m);
    const rs = right.get(sig);
    if (!rs) continue;
    const [vl, vr] = swapped ? [rs.v, ls.v] : [ls.v, rs.v];
    let { value, keep } = scalarBinop(e.op, vl, vr);
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const labels = resultLabels(ls.labels, rs.labels, e, m);
    const inserted = matched.get(sig);
    if (m.card === 'one-to-one') {
      if (inserted !== undefined) {
        throw new PromQLExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      if (!inserted) matched.set(sig, new Set([key]));
      else if (inserted.has(key)) throw new PromQLExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
      else inserted.add(key);
    }
    out.push({ labels, v: value, t });
  }
  return out;
}

function resultLabels(lhs: Labels, rhs: Labels, e: BinaryExpr, m: VectorMatching): Labels {
  let out = DROPS_NAME.has(e.op) || e.returnBool ? dropMetricName(lhs) : lhs;
  if (m.card === 'one-to-one') {
    out = m.on ? out.filter((l) => m.matchingLabels.includes(l.name)) : out.filter((l) => !m.matchingLabels.includes(l.name));
  }
  for (const name of m.include) {
    out = withLabel(out, name, rhs.find((l) => l.name === name)?.value ?? '');
  }
  return out;
}

function and(lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching): Sample[] {
  const right = new Set(rhs.map((s) => matchSignature(s.labels, m)));
  return lhs.filter((s) => right.has(matchSignature(s.labels, m)));
}

function or(lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching): Sample[] {
  const left = new Set(lhs.map((s) => matchSignature(s.labels, m)));
  return [...lhs, ...rhs.filter((s) => !left.has(matchSignature(s.labels, m)))];
}

function unless(lhs: readonly Sample[], rhs: readonly Sample[], m: VectorMatching): Sample[] {
  const right = new Set(rhs.map((s) => matchSignature(s.labels, m)));
  return lhs.filter((s) => !right.has(matchSignature(s.labels, m)));
}

function describe(ls: Labels): string {
  return '{' + ls.map((l) => `${l.name}="${l.value}"`).join(', ') + '}';
}

function describeGroup(ls: Labels, m: VectorMatching): string {
  return describe(m.on ? ls.filter((l) => m.matchingLabels.includes(l.name)) : ls.filter((l) => l.name !== METRIC_NAME && !m.matchingLabels.includes(l.name)));
}
