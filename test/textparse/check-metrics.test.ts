// `promwasm check metrics`: the strict text validation, the promlint rules, the OpenMetrics path, and a
// comparison with the real `promtool check metrics` on hand-written inputs, the fixture bodies and
// seeded mutants of them.

import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { runCli as runProcess } from '../helpers/cli.js';
import { TextParseError } from '../../src/textparse/index.js';
import { lintFamilies } from '../../src/textparse/lint.js';
import { validateText } from '../../src/textparse/text-validator.js';
import { Prng } from '../helpers/prng.js';
import { PROMTOOL, PROMTOOL_MISSING } from '../helpers/promtool.js';
import { createParser, Entry } from '../../src/textparse/index.js';
import { fixtureBody, TEXT } from './helpers.js';

interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function check(input: string | Uint8Array, args: string[] = ['check', 'metrics']): Promise<Result> {
  const stdout = sink();
  const stderr = sink();
  const stdin = Readable.from([Buffer.from(input)]);
  const status = await runCli(args, { stdout, stderr, stdin } as never);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

function promtoolCheck(input: Uint8Array, args: string[] = ['check', 'metrics']): Result {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const GOOD = '# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{code="200"} 3\n';

describe('strict text validation', () => {
  it.each([
    ['m 1', 'unexpected end of input stream'],
    ['  m 1\n', 'invalid metric name "  m"'],
    ['m 1\n\0m 2\n', 'a NUL byte ends the input early'],
    ['m{a="x\\t"} 1\n', 'invalid escape sequence "\\\\t"'],
    ['m{a="x\ny"} 1\n', 'label value contains an unescaped new-line'],
    ['m{a="x"\0} 1\n', 'label value ends before its closing quote'],
    ['m{__name__="x"} 1\n', 'label name "__name__" is reserved'],
    ['m{a="1",a="2"} 1\n', 'duplicate label names for metric "m"'],
    ['# HELP m a\\tb\nm 1\n', 'invalid escape sequence "\\\\t" in HELP'],
    ['# HELP m a\\"b\nm 1\n', 'invalid escape sequence "\\\\\\"" in HELP'],
    ['# HELP m-x text\nm 1\n', 'invalid metric name in comment'],
    ['# HELP m a\n# HELP m b\nm 1\n', 'second HELP line for metric name "m"'],
    ['m 1\n# TYPE m gauge\n', 'second TYPE line for metric name "m", or TYPE reported after samples'],
    ['# TYPE s summary\ns_count 1\n# TYPE s_count gauge\n', 'second TYPE line for metric name "s"'],
    ['#TYPE m foo\nm 1\n', 'unknown metric type "foo"'],
    ['# TYPE h histogram\nh_bucket{le="x"} 1\n', "expected float as value for 'le' label, got \"x\""],
    ['# TYPE s summary\ns{quantile="0x1"} 1\n', "expected float as value for 'quantile' label, got \"0x1\""],
    ['m 1 \n', 'blanks at the end of the line'],
    ['m 1 123\t\n', 'blanks at the end of the line'],
    ['m 1 -1\n', 'expected timestamp or new record, got "INVALID"'],
  ])('refuses %j', (body, why) => {
    let err: unknown;
    try {
      validateText(Buffer.from(body, 'latin1'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TextParseError);
    expect((err as TextParseError).reason).toContain(why);
  });

  it('accepts trailing blanks after the last newline, blank lines, comments and a trailing comma', () => {
    expect(validateText(Buffer.from('\n# x\nm{a="1",} 1 5\n\n  \t'))).toHaveLength(1);
    expect(validateText(new Uint8Array())).toEqual([]);
  });

  it('groups histogram and summary samples into families as expfmt does', () => {
    const fams = validateText(
      Buffer.from(
        '# TYPE h histogram\nh_bucket{a="1",le="1"} 1\nh_bucket{a="1",le="+Inf"} 2\nh_sum{a="1"} 3\nh_count{a="1"} 2\nh_bucket{a="2",le="+Inf"} 0\n' +
          '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count 1\nh_created 5\n',
      ),
    );
    expect(fams.map((f) => [f.name, f.type, f.metrics.length, f.metrics[0]!.buckets, f.metrics[0]!.quantiles])).toEqual([
      ['h', 'histogram', 2, 2, 0],
      ['s', 'summary', 1, 0, 1],
      ['h_created', 'untyped', 1, 0, 0],
    ]);
  });
});

describe('lint rules (promlint)', () => {
  const lint = (body: string) => lintFamilies(validateText(Buffer.from(body))).map((p) => `${p.metric} ${p.text}`);

  it('reports each rule', () => {
    expect(
      lint(
        '# TYPE requests counter\nrequests 1\n# HELP g_total x\n# TYPE g_total gauge\ng_total 1\n# HELP c_bucket x\n# TYPE c_bucket gauge\nc_bucket{le="1",quantile="2"} 1\n' +
          '# HELP job:rate5m x\njob:rate5m 1\n# HELP fooBar x\nfooBar{someLabel="1"} 1\nfooBar{someLabel="2"} 1\n# HELP x_ms x\nx_ms 1\n# HELP y_gauge_histogram x\ny_gauge_histogram 1\n' +
          '# HELP disk_kilobytes x\ndisk_kilobytes 1\n# HELP t_hours_milliseconds x\nt_hours_milliseconds 1\n',
      ),
    ).toEqual([
      'c_bucket non-histogram metrics should not have "_bucket" suffix',
      'c_bucket non-histogram metrics should not have "le" label',
      'c_bucket non-summary metrics should not have "quantile" label',
      'disk_kilobytes use base unit "bytes" instead of "kilobytes"',
      "fooBar label names should be written in 'snake_case' not 'camelCase'",
      "fooBar label names should be written in 'snake_case' not 'camelCase'",
      "fooBar metric names should be written in 'snake_case' not 'camelCase'",
      'g_total non-counter metrics should not have "_total" suffix',
      "job:rate5m metric names should not contain ':'",
      'requests counter metrics should have "_total" suffix',
      'requests no help text',
      't_hours_milliseconds use base unit "seconds" instead of "milliseconds"',
      'x_ms metric names should not contain abbreviated units',
      "y_gauge_histogram metric name should not include type 'gauge'",
      "y_gauge_histogram metric name should not include type 'gauge_histogram'",
      "y_gauge_histogram metric name should not include type 'histogram'",
    ]);
  });

  it('finds nothing wrong with a well-formed family', () => {
    expect(lint(GOOD)).toEqual([]);
  });
});

describe('the check metrics command', () => {
  it('exits 0 for clean input, 3 with problems on stderr, 1 for unreadable input', async () => {
    expect(await check(GOOD)).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await check('m 1\n')).toEqual({ status: 3, stdout: '', stderr: 'm no help text\n' });
    expect(await check('m{a="\\t"} 1\n')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error while linting: invalid escape sequence "\\\\t" (line 1, column 6)\n',
    });
  });

  it('prints the cardinality table with --extended, on either side of metrics', async () => {
    const body = GOOD + '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n';
    const table = 'Metric                 Cardinality    Percentage    \nh                      4              80.00%        \nhttp_requests_total    1              20.00%        \nTotal                  5              100%          \n';
    expect(await check(body, ['check', '--extended', 'metrics'])).toEqual({ status: 0, stdout: table, stderr: '' });
    expect(await check(body, ['check', 'metrics', '--extended'])).toEqual({ status: 0, stdout: table, stderr: '' });
  });

  it('validates OpenMetrics when the input ends with # EOF, or when asked', async () => {
    expect(await check('# TYPE a counter\na_total 1\n# EOF\n')).toEqual({ status: 0, stdout: '', stderr: '' });
    const bad = await check('# TYPE a counter\na_total -1\n# EOF\n');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error while linting: a_total cannot be negative (line 2, column 1)\n');
    expect((await check('a 1\n', ['check', 'metrics', '--format=openmetrics'])).stderr).toContain('data does not end with # EOF');
    expect((await check('a 1\n# EOF\n', ['check', 'metrics', '--format=text'])).status).toBe(3);
  });

  it('reads the process stdin when run as the promwasm executable', () => {
    const r = runProcess(['check', 'metrics'], { input: 'm 1\n' });
    expect([r.status, r.stdout, r.stderr]).toEqual([3, '', 'm no help text\n']);
  });

  it('answers usage errors as kingpin does', async () => {
    expect((await check('', ['check'])).stderr).toBe("promwasm: error: must select a subcommand of 'check', try --help\n");
    expect((await check('', ['check', 'rules'])).stderr).toBe('promwasm: error: expected command but got "rules", try --help\n');
    expect((await check('', ['check', 'metrics', '--format=xml'])).status).toBe(1);
  });
});

/** Our verdict may be stricter than promtool's only where a 2.42 scrape refuses the input. */
function scrapeRefuses(body: Uint8Array): boolean {
  try {
    const p = createParser(body, TEXT);
    for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
      if (e === Entry.Series && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(p.metricName())) return true;
    }
    return false;
  } catch {
    return true;
  }
}

describe.skipIf(!PROMTOOL)('against promtool check metrics', () => {
  if (!PROMTOOL) console.warn(PROMTOOL_MISSING);

  const inputs: Uint8Array[] = [
    GOOD,
    'm 1\n',
    'm 1',
    '',
    '# TYPE requests counter\nrequests 1\n# HELP g_total x\n# TYPE g_total gauge\ng_total 1\n# HELP fooBar x\nfooBar{someLabel="1"} 1\nfooBar{someLabel="2"} 1\n',
    '# HELP x_ms x\nx_ms 1\n# HELP y_gauge_histogram x\ny_gauge_histogram 1\n# HELP a_s_ms x\na_s_ms 1\n',
    '# HELP c_bucket x\n# TYPE c_bucket gauge\nc_bucket{le="1",quantile="2"} 1\n# HELP job:rate5m x\njob:rate5m 1\n',
    '# TYPE h histogram\n# HELP h x\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n',
    '#HELP m x\n#TYPE m gauge\nm 1\n',
    '# HELP m x\n# HELP m y\nm 1\n',
    'm 1 \n',
    'm{a="1",} 1\n',
    'm{a="x\\t"} 1\n',
  ].map((s) => Buffer.from(s));
  for (const [path, seed] of [['node-exporter/text.txt.gz', 31], ['prometheus/protobuf-as-text.txt.gz', 32]] as const) {
    const body = fixtureBody(path);
    inputs.push(body);
    const rng = new Prng(seed);
    const bytes = [0, 0x0a, 0x20, 0x09, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3d, 0x23, 0x5f, 0x41, 0x30];
    for (let k = 0; k < 25; k++) {
      const m = Buffer.from(body);
      m[rng.int(0, m.length - 1)] = rng.pick(bytes);
      inputs.push(m);
    }
  }

  it('gives the same exit code and the same problems (or refuses only what a 2.42 scrape refuses)', async () => {
    let same = 0;
    for (const input of inputs) {
      const theirs = promtoolCheck(input);
      const ours = await check(input);
      const what = JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 200));
      if (ours.status === 1 && theirs.status !== 1) {
        expect(scrapeRefuses(input), `${what}: we refuse what promtool and a scrape accept:\n${ours.stderr}`).toBe(true);
        continue;
      }
      expect(ours.status, `${what}\nours: ${ours.stderr}\ntheirs: ${theirs.stderr}`).toBe(theirs.status);
      if (theirs.status === 3) expect(ours.stderr, what).toBe(theirs.stderr);
      same++;
    }
    expect(same).toBeGreaterThan(inputs.length / 2);
  }, 60_000);

  it('prints the same --extended table for inputs without equal cardinalities', async () => {
    const body = Buffer.from(GOOD + '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
    expect(await check(body, ['check', '--extended', 'metrics'])).toEqual(promtoolCheck(body, ['check', '--extended', 'metrics']));
  });
});
