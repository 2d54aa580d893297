import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { expectedDump, FIXTURE_DB } from '../tsdb/block/dump-oracle.js';

const FIXTURES = 'test/fixtures/blocks';

describe('promwasm tsdb dump (as a process)', () => {
  it('prints the fixture blocks byte for byte as promtool tsdb dump did', () => {
    const r = runCli(['tsdb', 'dump', FIXTURES]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBe(expectedDump().length);
    expect(r.stdout === expectedDump()).toBe(true);
  });

  it('reads --min-time/--max-time as Go int64 literals (hex, octal, underscores) and --match as a selector', () => {
    const decimal = runCli(['tsdb', 'dump', '--min-time=1686740000000', '--max-time', '1686740100000', '--match={job="sensors"}', FIXTURES]);
    const fancy = runCli(['tsdb', 'dump', '--match', '{job="sensors"}', FIXTURES, '--min-time=0x188_B989_DD00', '--max-time=030427142661640']);
    expect(decimal.status).toBe(0);
    expect(decimal.stdout.split('\n').length).toBeGreaterThan(50);
    expect(fancy.stdout).toBe(decimal.stdout);
    for (const line of decimal.stdout.trim().split('\n')) {
      expect(line).toContain('job="sensors"');
      const t = Number(line.split(' ').pop());
      expect(t >= 1686740000000 && t <= 1686740100000).toBe(true);
    }
  });

  it('ends quietly with exit 0 when the reader goes away (EPIPE)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/main.ts'), 'tsdb', 'dump', FIXTURES], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('promwasm tsdb list (as a process)', () => {
  it('-r prints the table promtool tsdb list -r printed', () => {
    const r = runCli(['tsdb', 'list', '-r', FIXTURES]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(resolve(FIXTURE_DB, 'list.txt'), 'utf8'));
  });

  it('prints raw milliseconds and bytes without -r (output recorded from promtool 2.42)', () => {
    const r = runCli(['tsdb', 'list', FIXTURES]);
    expect(r.stdout).toBe(
      [
        'BLOCK ULID                  MIN TIME       MAX TIME       DURATION      NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE',
        '01M87X1JDRRPSPQC6QS2KG1QER  1686735433242  1686736799937  22m46.695s    9960         137          97           62890',
        '01M87X1JRM3RJ0MJXRAA4W4XKD  1686736800333  1686743999937  1h59m59.604s  52586        436          98           259324',
        '01M87X1K2Z1622Y3Z27CC96CDT  1686744000047  1686751199937  1h59m59.89s   52399        439          97           258137',
        '01M87X1KE92W92H3KKWTYAMBCS  1686751200333  1686755233140  1h7m12.807s   29202        291          96           150473',
        '',
      ].join('\n'),
    );
  });
});

describe('promwasm command line errors and help', () => {
  it.each([
    [['tsdb', 'list', '--foo', FIXTURES], "promwasm: error: unknown long flag '--foo', try --help\n"],
    [['tsdb'], "promwasm: error: must select a subcommand of 'tsdb', try --help\n"],
    [['tsdb', 'list', 'a', 'b'], 'promwasm: error: unexpected b, try --help\n'],
    [['tsdb', 'dump', '--match'], "promwasm: error: expected argument for flag '--match', try --help\n"],
    [['tsdb', 'dump', '--min-time=abc', FIXTURES], 'promwasm: error: strconv.ParseInt: parsing "abc": invalid syntax, try --help\n'],
    [['tsdb', 'dump', '--max-time=9223372036854775808', FIXTURES], 'promwasm: error: strconv.ParseInt: parsing "9223372036854775808": value out of range, try --help\n'],
    [['tsdb', 'list', 'no/such/dir'], 'opening the db dir: stat no/such/dir: no such file or directory\n'],
    [['tsdb', 'dump', '--match=on', FIXTURES], '1:1: parse error: unexpected <on>\n'],
  ])('%j', (args, stderr) => {
    const r = runCli(args);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(stderr);
    expect(r.status).toBe(1);
  });

  it('--version, --help, and help for the subcommands', () => {
    const version = runCli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^promwasm, version \d+\.\d+\.\d+/);
    expect(runCli(['--help']).status).toBe(0);
    expect(runCli(['tsdb', '--help']).stdout).toContain('tsdb dump');
    const dumpHelp = runCli(['tsdb', 'dump', '--help']);
    expect(dumpHelp.status).toBe(0);
    expect(dumpHelp.stdout).toContain("--match=MATCH");
    expect(dumpHelp.stdout).toContain("{__name__=~'(?s:.*)'}");
  });
});

describe('the dispatcher (in-process)', () => {
  async function run(argv: string[], options: Parameters<typeof import('../../src/cli/cli.js').runCli>[2] = {}) {
    const { PassThrough } = await import('node:stream');
    const { runCli: dispatch } = await import('../../src/cli/cli.js');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const code = await dispatch(argv, { stdout, stderr }, options);
    return { code, out, err };
  }

  it('runs commands by name, lists them in --help, and reports a missing command', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('  tsdb\n      Run tsdb commands.');
    expect(await run([])).toEqual({ code: 1, out: '', err: 'promwasm: error: expected command but got none, try --help\n' });
    expect((await run(['nonsense'])).err).toBe('promwasm: error: expected command but got "nonsense", try --help\n');
  });

  it('hands everything that is not a command name to the default command', async () => {
    const seen: string[][] = [];
    const fallback = { name: 'server', summary: '', run: async (argv: readonly string[]) => (seen.push([...argv]), 7) };
    expect((await run(['--web.listen-address=:1'], { defaultCommand: fallback })).code).toBe(7);
    expect((await run(['tsdb', 'list', FIXTURES], { defaultCommand: fallback })).code).toBe(0);
    expect(seen).toEqual([['--web.listen-address=:1']]);
  });
});
