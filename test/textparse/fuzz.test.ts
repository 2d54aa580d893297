// Seeded fuzzing of both parsers with mutations of the real scrape bodies: a parser either reads the
// whole body or throws a TextParseError with a position inside it; never another exception, never a
// hang, never stale state from an earlier entry or parse.

import { describe, expect, it } from 'vitest';
import { Prng } from '../helpers/prng.js';
import { Entry, OpenMetricsParser, PromTextParser, TextParseError, type ExpositionParser } from '../../src/textparse/index.js';
import { validateOpenMetrics } from '../../src/textparse/openmetrics-validator.js';
import { fixtureBody } from './helpers.js';

const INTERESTING = [0, 0x0a, 0x20, 0x09, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3d, 0x23, 0xff, 0xc3, 0xed, 0x30, 0x39, 0x65, 0x2e, 0x2d, 0x2b, 0x5f, 0x70, 0x0d];
const SNIPPETS = ['# EOF\n', '# HELP ', '# TYPE ', '# UNIT ', ' # {', '{}', '="', '\\', 'NaN', '+Inf', '1e400', '0x1p3', ' 123', '\n\n', '_total', '_bucket{le="+Inf"}'];

function mutate(rng: Prng, body: Uint8Array): Uint8Array {
  let b = Uint8Array.from(body);
  const edits = rng.int(1, 4);
  for (let k = 0; k < edits; k++) {
    const at = rng.int(0, b.length);
    switch (rng.int(0, 5)) {
      case 0: // overwrite a byte
        if (b.length > 0) b[Math.min(at, b.length - 1)] = rng.chance(0.7) ? rng.pick(INTERESTING) : rng.int(0, 255);
        break;
      case 1: // insert a byte
        b = concat(b.subarray(0, at), Uint8Array.of(rng.pick(INTERESTING)), b.subarray(at));
        break;
      case 2: // delete a range
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 40))));
        break;
      case 3: // duplicate a range
        b = concat(b.subarray(0, at), b.subarray(at, at + rng.int(1, 200)), b.subarray(at));
        break;
      case 4: // insert a snippet
        b = concat(b.subarray(0, at), Buffer.from(rng.pick(SNIPPETS)), b.subarray(at));
        break;
      default: // truncate
        b = b.subarray(0, at);
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Reads everything an entry offers; returns a fingerprint of the parse (or of its error). */
function drain(p: ExpositionParser, length: number): string {
  const out: string[] = [];
  let steps = 0;
  try {
    for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
      if (++steps > length + 2) throw new Error('parser does not advance');
      if (e === Entry.Series) {
        check(p.seriesStart <= p.seriesEnd && p.seriesEnd <= p.bytes.length, 'series range');
        const ex = p.exemplar();
        let labels = '';
        for (const l of p.labels()) labels += `${l.name}=${l.value},`;
        out.push(`${p.seriesKey()}|${labels}|${p.value()}|${p.hasTimestamp() ? p.timestamp() : '-'}|${ex ? JSON.stringify(ex) : ''}`);
      } else if (e === Entry.Help) out.push(`help ${p.metadataName()} ${p.help()}`);
      else if (e === Entry.Type) out.push(`type ${p.metadataName()} ${p.type()}`);
      else if (e === Entry.Unit) out.push(`unit ${p.metadataName()} ${p.unit()}`);
      else out.push(`comment ${p.comment()}`);
    }
    check(p.next() === Entry.Eof, 'Eof repeats');
  } catch (e) {
    if (!(e instanceof TextParseError)) throw e;
    check(e.offset >= 0 && e.offset <= p.bytes.length && e.line >= 1 && e.column >= 1 && e.reason.length > 0, `error position ${e.message}`);
    out.push(`error ${e.message}`);
  }
  return out.join('\n');
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`invariant broken: ${what}`);
}

const FORMATS = [
  { format: 'text', make: (b: Uint8Array) => new PromTextParser(b), bodies: ['node-exporter/text.txt.gz', 'prometheus/protobuf-as-text.txt.gz'] },
  { format: 'openmetrics', make: (b: Uint8Array) => new OpenMetricsParser(b), bodies: ['node-exporter/protobuf-as-openmetrics.txt.gz', 'prometheus/protobuf-as-openmetrics.txt.gz'] },
] as const;

describe.each(FORMATS)('fuzzing the $format parser', ({ make, bodies }) => {
  it.each(bodies.map((b, i) => [b, 0x5eed0 + i] as const))('%s mutants (seed %i)', (path, seed) => {
    const rng = new Prng(seed);
    const body = fixtureBody(path);
    let errors = 0;
    const rounds = 300;
    for (let r = 0; r < rounds; r++) {
      const m = mutate(rng, body);
      const first = drain(make(m), m.length);
      // The same bytes again, in a fresh parser: no state leaks between parses.
      expect(drain(make(m), m.length)).toBe(first);
      if (first.includes('\nerror ') || first.startsWith('error ')) errors++;
    }
    // Mutants must exercise both outcomes.
    expect(errors).toBeGreaterThan(rounds / 10);
    expect(errors).toBeLessThan(rounds);
  });

  it('short random byte strings (seed 77)', () => {
    const rng = new Prng(77);
    const alphabet = Buffer.from('ab_:{}="\\ ,\t\n#019.eE+-InfNa\0x');
    for (let r = 0; r < 3000; r++) {
      const n = rng.int(0, 40);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = rng.chance(0.9) ? alphabet[rng.int(0, alphabet.length - 1)]! : rng.int(0, 255);
      drain(make(b), b.length);
    }
  });
});

describe('fuzzing the OpenMetrics validator', () => {
  it('throws only TextParseErrors on mutants (seed 0xfeed)', () => {
    const rng = new Prng(0xfeed);
    const body = fixtureBody('prometheus/protobuf-as-openmetrics.txt.gz');
    for (let r = 0; r < 300; r++) {
      const m = mutate(rng, body);
      try {
        validateOpenMetrics(m);
      } catch (e) {
        expect(e).toBeInstanceOf(TextParseError);
      }
    }
  });
});
