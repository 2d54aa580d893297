// meta.json as Prometheus 2.42 writes it: Go's json.MarshalIndent(meta, "", "\t") of tsdb.BlockMeta (no
// trailing newline), written to meta.json.tmp, fsynced and renamed into place.
//
// Field order and omission follow the Go struct tags: stats is always present (omitempty never drops a
// struct) with each zero count left out; compaction.level always; sources, deletable, parents, failed and
// hints only when non-empty/true; version last.

import { join } from 'node:path';
import { writeFileAtomically } from '../index/file-writer.js';
import { META_FILENAME, type BlockMeta } from './meta.js';

/** The bytes of meta.json for `meta`, identical to Prometheus's. */
export function formatBlockMeta(meta: BlockMeta): string {
  const stats: Member[] = [];
  for (const key of ['numSamples', 'numSeries', 'numChunks', 'numTombstones'] as const) {
    if (meta.stats[key] !== 0) stats.push([key, int(meta.stats[key])]);
  }
  const c = meta.compaction;
  const compaction: Member[] = [['level', int(c.level)]];
  if (c.sources.length > 0) compaction.push(['sources', { items: c.sources.map(str) }]);
  if (c.deletable) compaction.push(['deletable', 'true']);
  if (c.parents.length > 0) {
    const parents = c.parents.map((p): Json => ({ members: [['ulid', str(p.ulid)], ['minTime', int(p.minTime)], ['maxTime', int(p.maxTime)]] }));
    compaction.push(['parents', { items: parents }]);
  }
  if (c.failed) compaction.push(['failed', 'true']);
  if (c.hints.length > 0) compaction.push(['hints', { items: c.hints.map(str) }]);
  return render(
    {
      members: [
        ['ulid', str(meta.ulid)],
        ['minTime', int(meta.minTime)],
        ['maxTime', int(meta.maxTime)],
        ['stats', { members: stats }],
        ['compaction', { members: compaction }],
        ['version', int(meta.version)],
      ],
    },
    '',
  );
}

/** Writes `<blockDir>/meta.json` atomically (temporary file, fsync, rename, directory fsync); returns its size. */
export function writeBlockMeta(blockDir: string, meta: BlockMeta): Promise<number> {
  return writeFileAtomically(join(blockDir, META_FILENAME), Buffer.from(formatBlockMeta(meta), 'utf8'));
}

/** A JSON value: a scalar already rendered, an object with ordered members, or an array. */
type Json = string | { readonly members: readonly Member[] } | { readonly items: readonly Json[] };
type Member = readonly [string, Json];

/** MarshalIndent's layout: one member or element per line, indented by tabs; `{}` and `[]` when empty. */
function render(v: Json, prefix: string): string {
  if (typeof v === 'string') return v;
  const inner = prefix + '\t';
  const [open, close, lines] =
    'members' in v
      ? ['{', '}', v.members.map(([key, value]) => `${inner}${str(key)}: ${render(value, inner)}`)]
      : ['[', ']', v.items.map((item) => inner + render(item, inner))];
  return lines.length === 0 ? open + close : `${open}\n${lines.join(',\n')}\n${prefix}${close}`;
}

/** An int64 as Go prints it: exact beyond 2^53 (2^63 and above stand for 2^63 - 1, as MAX_INT64). */
function int(n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`meta.json: ${n} is not an integer`);
  if (Number.isSafeInteger(n)) return String(n);
  return n >= 2 ** 63 ? '9223372036854775807' : BigInt(n).toString();
}

/**
 * A JSON string as encoding/json writes it (HTML-safe): `"` and `\` escaped, \n \r \t, other control
 * characters as \u00XX, < > & as \u003c \u003e \u0026, U+2028/U+2029 escaped, lone surrogates (invalid
 * UTF-8 in Go) replaced by \ufffd.
 */
function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16).padStart(4, '0');
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}
