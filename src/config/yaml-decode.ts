// Decoding a YAML document the way Prometheus does it: gopkg.in/yaml.v2's UnmarshalStrict into Go
// structs. The `yaml` package parses (keeping every node's position); this file reproduces the Go side:
//   - YAML 1.1 scalars as yaml.v2 resolves them: yes/no/on/off are booleans, 0x1F / 0o17 / 017 / 0b1
//     and 1_000 are integers, a quoted or block scalar is always a string;
//   - a null value leaves a field at its zero value without running the field's own parsing;
//   - type mismatches and unknown fields are collected ("line 3: field foo not found in type
//     config.plain") and reported together, while a failed check (a bad duration, a missing job_name)
//     stops decoding at once — and wins over the mismatches found before it, as in yaml.v2;
//   - a structure whose own decoding found a mismatch skips its checks and is left out.
// Every error carries the line and column of the node concerned and its path (scrape_configs[0].regex).

import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/** A failed check: decoding stops. `reason` is Prometheus's text. */
export class DecodeFailure extends Error {
  override readonly name = 'DecodeFailure';
  constructor(
    readonly reason: string,
    readonly path: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${path === '' ? '' : `${path}: `}${reason} (line ${line}, column ${column})`);
  }
}

/** A type mismatch or unknown field, worded as yaml.v2 words it (with its line). */
export interface TypeMismatch {
  readonly text: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/** Returned by a decoder whose value could not be set (a type mismatch was recorded). */
export const BAD: unique symbol = Symbol('bad');
export type Decoded<T> = T | typeof BAD;

export type YamlNode = Node | null | undefined;

/** A scalar as yaml.v2 sees it: its text, whether it was plain, and the tag it resolves to. */
export interface ScalarView {
  readonly text: string;
  readonly plain: boolean;
  /** Short tag: !!str, !!int, !!bool, !!float, !!null, !!timestamp, !!merge, or a custom tag. */
  readonly tag: string;
  /** The resolved value: string, bigint (ints), number (floats), boolean, or null. */
  readonly value: string | bigint | number | boolean | null;
}

const LONG_TAG_PREFIX = 'tag:yaml.org,2002:';
const MAX_ALIAS_DEPTH = 64;

export class YamlDecoder {
  readonly mismatches: TypeMismatch[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line and column of a node (of the document start when there is none). */
  position(node: YamlNode): { line: number; column: number } {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  fail(node: YamlNode, path: string, reason: string): never {
    const { line, column } = this.position(node);
    throw new DecodeFailure(reason, path, line, column);
  }

  /** Records yaml.v2's "cannot unmarshal !!tag `value` into <goType>". */
  mismatch(node: YamlNode, path: string, goType: string): void {
    const resolved = this.resolve(node, path);
    let what: string;
    if (isMap(resolved)) what = '!!map';
    else if (isSeq(resolved)) what = '!!seq';
    else {
      const view = this.scalar(resolved as Scalar | null, path);
      // Go slices bytes; we count UTF-16 units, which agrees for ASCII.
      const shown = view.text.length > 10 ? view.text.slice(0, 7) + '...' : view.text;
      what = `${view.tag} \`${shown}\``;
    }
    this.record(node, path, `cannot unmarshal ${what} into ${goType}`);
  }

  /** Records a type error with yaml.v2's "line N: " prefix. */
  record(node: YamlNode, path: string, text: string): void {
    const { line, column } = this.position(node);
    this.mismatches.push({ text: `line ${line}: ${text}`, path, line, column });
  }

  /** Follows aliases; a node that contains itself stops decoding, as in yaml.v2. */
  resolve(node: YamlNode, path: string): Node | null {
    let n: YamlNode = node;
    for (let depth = 0; n !== null && n !== undefined && isAlias(n); depth++) {
      const alias: Alias = n;
      n = alias.resolve(this.doc) as YamlNode;
      if (n === undefined) this.fail(node, path, `yaml: unknown anchor '${alias.source}' referenced`);
      // An alias can only name an earlier anchor, so it loops exactly when it lies inside that node.
      if (depth > MAX_ALIAS_DEPTH || (n !== null && contains(n, alias))) this.fail(node, path, `yaml: anchor '${alias.source}' value contains itself`);
    }
    return n ?? null;
  }

  /** yaml.v2's "null" test before a field's own parsing runs: !!null, or plain "", "~", "null". */
  isNull(node: YamlNode, path: string): boolean {
    const n = this.resolve(node, path);
    if (n === null) return true;
    if (!isScalar(n)) return false;
    const tag = shortTag(n.tag ?? '');
    if (tag === '!!null') return true;
    if (tag !== '') return false;
    const text = scalarText(n);
    return n.type === 'PLAIN' && (text === '' || text === '~' || text === 'null');
  }

  /** The scalar as yaml.v2 resolves it. */
  scalar(node: Scalar | null, path: string): ScalarView {
    if (node === null) return { text: '', plain: true, tag: '!!null', value: null };
    const text = scalarText(node);
    const plain = node.type === 'PLAIN' || node.type === undefined;
    const explicit = shortTag(node.tag ?? '');
    if (explicit === '' || explicit === '!') {
      return plain && explicit === '' ? resolvePlain(text) : { text, plain, tag: '!!str', value: text };
    }
    if (explicit === '!!str' || explicit === '!!binary') return { text, plain, tag: explicit, value: text };
    if (!['!!bool', '!!int', '!!float', '!!null', '!!timestamp'].includes(explicit)) {
      return { text, plain, tag: explicit, value: text };
    }
    const resolved = resolvePlain(text);
    if (resolved.tag === explicit) return resolved;
    if (explicit === '!!float' && resolved.tag === '!!int') return { ...resolved, tag: '!!float', value: Number(resolved.value) };
    this.fail(node, path, `yaml: cannot decode ${resolved.tag} \`${text}\` as a ${explicit}`);
  }

  // -------------------------------------------------------------------------------------------------
  // Go kinds.

  /** A Go string field: any scalar's text; null is "". */
  string(node: YamlNode, path: string, goType = 'string'): Decoded<string> {
    const n = this.resolve(node, path);
    if (n !== null && !isScalar(n)) return this.mismatchBad(node, path, goType);
    const view = this.scalar(n as Scalar | null, path);
    return view.value === null && view.tag === '!!null' ? '' : view.text;
  }

  bool(node: YamlNode, path: string): Decoded<boolean> {
    const n = this.resolve(node, path);
    if (n !== null && !isScalar(n)) return this.mismatchBad(node, path, 'bool');
    const view = this.scalar(n as Scalar | null, path);
    if (view.tag === '!!null') return false;
    if (typeof view.value === 'boolean') return view.value;
    return this.mismatchBad(node, path, 'bool');
  }

  /** Go int / int64 / uint / uint64 fields (64-bit), as a bigint. */
  integer(node: YamlNode, path: string, goType: 'int' | 'int64' | 'uint' | 'uint64'): Decoded<bigint> {
    const n = this.resolve(node, path);
    if (n !== null && !isScalar(n)) return this.mismatchBad(node, path, goType);
    const view = this.scalar(n as Scalar | null, path);
    if (view.tag === '!!null') return 0n;
    const unsigned = goType === 'uint' || goType === 'uint64';
    const min = unsigned ? 0n : -(1n << 63n);
    const max = unsigned ? (1n << 64n) - 1n : (1n << 63n) - 1n;
    if (typeof view.value === 'bigint' && view.value >= min && view.value <= max) return view.value;
    if (typeof view.value === 'number' && Number.isFinite(view.value)) {
      // Go converts the float with a machine instruction; out-of-range values wrap on amd64.
      const v = BigInt(Math.trunc(view.value));
      if (unsigned && view.value <= 2 ** 64) return BigInt.asUintN(64, v);
      if (!unsigned && view.value < 2 ** 63 && v >= min) return v;
    }
    return this.mismatchBad(node, path, goType);
  }

  float(node: YamlNode, path: string): Decoded<number> {
    const n = this.resolve(node, path);
    if (n !== null && !isScalar(n)) return this.mismatchBad(node, path, 'float64');
    const view = this.scalar(n as Scalar | null, path);
    if (view.tag === '!!null') return 0;
    if (typeof view.value === 'number') return view.value;
    if (typeof view.value === 'bigint') return Number(view.value);
    return this.mismatchBad(node, path, 'float64');
  }

  /**
   * A Go struct decoded field by field (strictly: unknown fields are mismatches). `fields` maps YAML
   * keys to handlers; merge keys (`<<: *base`) are followed. Returns false when the node is not a mapping.
   */
  struct(node: YamlNode, path: string, goType: string, fields: FieldTable): boolean {
    const n = this.resolve(node, path);
    if (!isMap(n)) {
      this.mismatch(node, path, goType);
      return false;
    }
    for (const pair of (n as YAMLMap).items) {
      const keyNode = pair.key as YamlNode;
      const key = this.string(keyNode, path);
      if (key === BAD) continue;
      const valueNode = pair.value as YamlNode;
      if (key === '<<' && this.isMergeKey(keyNode, path)) {
        this.merge(valueNode, path, (m) => this.struct(m, path, goType, fields));
        continue;
      }
      const handler = fields.get(key);
      if (handler === undefined) {
        this.record(keyNode, path, `field ${key} not found in type ${goType}`);
        continue;
      }
      handler(valueNode, path === '' ? key : `${path}.${key}`, keyNode);
    }
    return true;
  }

  /** A Go slice; null is empty. Elements that fail to decode are left out, as yaml.v2 does. */
  sequence<T>(node: YamlNode, path: string, goType: string, element: (n: YamlNode, path: string) => Decoded<T>): Decoded<T[]> {
    if (this.isNull(node, path)) return [];
    const n = this.resolve(node, path);
    if (!isSeq(n)) return this.mismatchBad(node, path, goType);
    const out: T[] = [];
    (n as YAMLSeq).items.forEach((item, i) => {
      const v = element(item as YamlNode, `${path}[${i}]`);
      if (v !== BAD) out.push(v);
    });
    return out;
  }

  /** A Go map with string-like keys; null is empty. `key` may refuse a key (a failed check). */
  mapping<T>(
    node: YamlNode,
    path: string,
    goType: string,
    value: (n: YamlNode, path: string) => Decoded<T>,
    key: (text: string, keyNode: YamlNode, path: string) => string = (text) => text,
  ): Decoded<Map<string, T>> {
    if (this.isNull(node, path)) return new Map<string, T>();
    const n = this.resolve(node, path);
    if (!isMap(n)) return this.mismatchBad(node, path, goType);
    const out = new Map<string, T>();
    const add = (m: YamlNode): void => {
      const resolved = this.resolve(m, path) as YAMLMap;
      for (const pair of resolved.items) {
        const keyNode = pair.key as YamlNode;
        if (this.string(keyNode, path) === '<<' && this.isMergeKey(keyNode, path)) {
          this.merge(pair.value as YamlNode, path, (merged) => add(merged));
          continue;
        }
        const text = this.string(keyNode, path, keyGoType(goType));
        if (text === BAD) continue;
        const name = key(text, keyNode, path);
        const v = value(pair.value as YamlNode, `${path}.${name}`);
        if (v !== BAD) out.set(name, v);
      }
    };
    add(n);
    return out;
  }

  /**
   * The value node of `name` in a mapping (followed through merge keys), for pointing an error at the
   * field it is about; the mapping itself when the field is absent.
   */
  fieldNode(node: YamlNode, path: string, name: string): YamlNode {
    const n = this.resolve(node, path);
    if (!isMap(n)) return node;
    for (const pair of (n as YAMLMap).items) {
      const key = this.resolve(pair.key as YamlNode, path);
      if (isScalar(key) && scalarText(key) === name) return (pair.value as YamlNode) ?? (pair.key as YamlNode);
    }
    return node;
  }

  private isMergeKey(keyNode: YamlNode, path: string): boolean {
    const n = this.resolve(keyNode, path);
    return isScalar(n) && n.type === 'PLAIN' && (n.tag === undefined || shortTag(n.tag) === '!!merge');
  }

  /** Applies a merge key's value: a mapping or a sequence of mappings (aliases followed here). */
  private merge(value: YamlNode, path: string, apply: (m: YamlNode) => void): void {
    const n = this.resolve(value, path);
    if (isMap(n)) return apply(n);
    if (isSeq(n)) {
      for (const item of (n as YAMLSeq).items) {
        const m = this.resolve(item as YamlNode, path);
        if (!isMap(m)) this.fail(item as YamlNode, path, 'yaml: map merge requires map or sequence of maps as the value');
        apply(m);
      }
      return;
    }
    this.fail(value, path, 'yaml: map merge requires map or sequence of maps as the value');
  }

  private mismatchBad(node: YamlNode, path: string, goType: string): typeof BAD {
    this.mismatch(node, path, goType);
    return BAD;
  }
}

function contains(outer: Node, inner: Node): boolean {
  const o = outer.range;
  const i = inner.range;
  return o !== null && o !== undefined && i !== null && i !== undefined && o[0] <= i[0] && i[1] <= o[1];
}

export type FieldHandler = (value: YamlNode, path: string, key: YamlNode) => void;
export type FieldTable = ReadonlyMap<string, FieldHandler>;

/** The Go key type of a map type name such as map[string]string or model.LabelSet (for messages). */
function keyGoType(goType: string): string {
  return goType === 'model.LabelSet' ? 'model.LabelName' : 'string';
}

export function shortTag(tag: string): string {
  return tag.startsWith(LONG_TAG_PREFIX) ? '!!' + tag.slice(LONG_TAG_PREFIX.length) : tag;
}

function scalarText(n: Scalar): string {
  if (typeof n.source === 'string') return n.source;
  return n.value === null || n.value === undefined ? '' : String(n.value);
}

// ---------------------------------------------------------------------------------------------------
// yaml.v2's resolve() for plain scalars.

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const SPECIAL_FLOATS = new Map<string, number>([
  ['.nan', NaN], ['.NaN', NaN], ['.NAN', NaN],
  ['.inf', Infinity], ['.Inf', Infinity], ['.INF', Infinity],
  ['+.inf', Infinity], ['+.Inf', Infinity], ['+.INF', Infinity],
  ['-.inf', -Infinity], ['-.Inf', -Infinity], ['-.INF', -Infinity],
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_FLOAT = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
// The date forms yaml.v2 accepts as timestamps (they matter only for the tag shown in messages).
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]| )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})?)?$/;

export function resolvePlain(text: string): ScalarView {
  const str = { text, plain: true, tag: '!!str', value: text };
  const first = text[0];
  if (NULLS.has(text)) return { text, plain: true, tag: '!!null', value: null };
  if (TRUES.has(text)) return { text, plain: true, tag: '!!bool', value: true };
  if (FALSES.has(text)) return { text, plain: true, tag: '!!bool', value: false };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { text, plain: true, tag: '!!float', value: special };
  if (text === '<<') return { text, plain: true, tag: '!!merge', value: text };
  if (first === '.') {
    return GO_FLOAT.test(text) ? { text, plain: true, tag: '!!float', value: Number(text) } : str;
  }
  if (first === undefined || !/[-+0-9]/.test(first)) return str;
  if (TIMESTAMP.test(text)) return { text, plain: true, tag: '!!timestamp', value: text };
  const plain = text.replace(/_/g, '');
  const int = parseGoInt(plain);
  if (int !== undefined) return { text, plain: true, tag: '!!int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) return { text, plain: true, tag: '!!float', value: Number(plain) };
  if (plain.startsWith('0b') || plain.startsWith('-0b')) {
    const neg = plain[0] === '-';
    const digits = plain.slice(neg ? 3 : 2);
    if (/^[01]+$/.test(digits)) {
      const v = (neg ? -1n : 1n) * BigInt('0b' + digits);
      if (v >= -(1n << 63n) && v < 1n << 64n) return { text, plain: true, tag: '!!int', value: v };
    }
  }
  return str;
}

/** Go's strconv.ParseInt(s, 0, 64), falling back to ParseUint for large positive values. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  let digits = m[2]!;
  if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1);
  const v = sign * BigInt(digits.replace(/^0[oO]/, '0o').replace(/^0X/, '0x').replace(/^0B/, '0b'));
  if (v >= -(1n << 63n) && v < 1n << 63n) return v;
  if (m[1] === '' && v < 1n << 64n) return v; // strconv.ParseUint, which takes no sign
  return undefined;
}
