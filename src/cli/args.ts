// Command-line parsing in the manner of kingpin (which promtool uses): long flags as `--name=value` or
// `--name value`, boolean flags as `--name` / `--no-name` or a one-letter `-x`, flags and positional
// arguments in any order, `--` ending the flags. Errors are UsageErrors, printed as
// "promwasm: error: <message>, try --help" with exit code 1, as kingpin does.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface FlagDef {
  readonly name: string;
  readonly short?: string;
  readonly kind: 'bool' | 'string';
  readonly help: string;
  readonly default?: string;
  readonly placeholder?: string;
}

export interface ArgDef {
  readonly name: string;
  readonly help: string;
  readonly default?: string;
}

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, string | boolean>;
  readonly args: readonly string[];
  readonly help: boolean;
}

/** Splits argv by the definitions; flag values stay strings (booleans are booleans). */
export function parseCommandArgs(argv: readonly string[], flags: readonly FlagDef[], args: readonly ArgDef[]): ParsedArgs {
  const values = new Map<string, string | boolean>();
  const positional: string[] = [];
  let help = false;
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short!, f]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') {
      help = true;
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const def = byName.get(name);
      if (!def && name.startsWith('no-') && byName.get(name.slice(3))?.kind === 'bool' && eq < 0) {
        values.set(name.slice(3), false);
        continue;
      }
      if (!def) throw new UsageError(`unknown long flag '--${name}'`);
      if (def.kind === 'bool') {
        if (eq < 0) values.set(name, true);
        else values.set(name, parseBool(a.slice(eq + 1), name));
      } else if (eq >= 0) {
        values.set(name, a.slice(eq + 1));
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`expected argument for flag '--${name}'`);
        values.set(name, argv[++i]!);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      for (const ch of a.slice(1)) {
        const def = byShort.get(ch);
        if (!def) throw new UsageError(`unknown short flag '-${ch}'`);
        if (def.kind !== 'bool') throw new UsageError(`short flag '-${ch}' needs a value: use --${def.name}=<value>`);
        values.set(def.name, true);
      }
    } else {
      positional.push(a);
    }
  }
  if (positional.length > args.length) throw new UsageError(`unexpected ${positional[args.length]}`);
  for (const f of flags) if (!values.has(f.name) && f.default !== undefined) values.set(f.name, f.kind === 'bool' ? f.default === 'true' : f.default);
  const withDefaults = args.map((d, i) => positional[i] ?? d.default).filter((v): v is string => v !== undefined);
  return { flags: values, args: withDefaults, help };
}

function parseBool(s: string, name: string): boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new UsageError(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax for flag '--${name}'`);
}

const INT64_SYNTAX = /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go's strconv.ParseInt(s, 0, 64), which kingpin's Int64 flags use: decimal, 0x hex, 0b binary, 0o or
 * leading-0 octal, `_` between digits. Returns the exact value as a BigInt.
 */
export function parseGoInt64(s: string): bigint {
  if (!INT64_SYNTAX.test(s)) throw new UsageError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  let body = s.replace(/_/g, '');
  const negative = body.startsWith('-');
  if (body[0] === '-' || body[0] === '+') body = body.slice(1);
  if (/^0[0-7]/.test(body)) body = '0o' + body.slice(1); // leading-zero octal
  const magnitude = BigInt(body.toLowerCase());
  const v = negative ? -magnitude : magnitude;
  if (v < INT64_MIN || v > INT64_MAX) throw new UsageError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  return v;
}

/** A usage text block: one line per flag and argument. */
export function describeArgs(flags: readonly FlagDef[], args: readonly ArgDef[]): string {
  const lines: string[] = [];
  if (flags.length > 0) {
    lines.push('Flags:');
    for (const f of flags) {
      const short = f.short ? `-${f.short}, ` : '    ';
      const value = f.kind === 'bool' ? '' : `=${f.placeholder ?? f.name.toUpperCase()}`;
      const dflt = f.default !== undefined && f.kind !== 'bool' ? ` (default: ${f.default})` : '';
      lines.push(`  ${short}--${f.name}${value}`, `      ${f.help}${dflt}`);
    }
  }
  if (args.length > 0) {
    lines.push('', 'Args:');
    for (const a of args) lines.push(`  [<${a.name}>]  ${a.help}`);
  }
  return lines.join('\n') + '\n';
}
