// `promwasm tsdb create-blocks-from openmetrics` as a real process: the promtool fixture blocks rebuilt
// byte for byte, and (where promtool 2.42 is installed) the same seeded inputs, flags and bad inputs
// given to both tools with the same blocks, stdout, stderr and exit code.

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool, promtoolResult } from '../helpers/promtool.js';
import { generateBackfillInput } from '../tsdb/backfill/om-input.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/blocks');
const work = mkdtempSync(join(tmpdir(), 'promwasm-create-blocks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const maskUlids = (text: string): string => text.replace(/^[0-9A-HJKMNP-TV-Z]{26}(?= )/gm, '<ULID>');

function blockDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => ULID.test(n));
}

/** The blocks of a directory keyed by minTime: their files, meta.json with the ULIDs masked. */
function blockFiles(dir: string): Map<number, Record<string, Buffer | string>> {
  const blocks = new Map<number, Record<string, Buffer | string>>();
  for (const name of blockDirs(dir)) {
    const b = join(dir, name);
    const meta = readFileSync(join(b, 'meta.json'), 'utf8');
    blocks.set(JSON.parse(meta).minTime, {
      index: readFileSync(join(b, 'index')),
      chunks: readFileSync(join(b, 'chunks/000001')),
      tombstones: readFileSync(join(b, 'tombstones')),
      meta: meta.replaceAll(name, '<ULID>'),
      files: readdirSync(b).sort().join(',') + ';' + readdirSync(join(b, 'chunks')).sort().join(','),
    });
  }
  return blocks;
}

function freshDir(name: string): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** `promtool tsdb dump` insists on a wal/ folder and writes chunks_head/: run it on a copy. */
function promtoolDump(dir: string): string {
  const copy = freshDir(`${dir.split('/').pop()}-dump`);
  cpSync(dir, copy, { recursive: true });
  mkdirSync(join(copy, 'wal'), { recursive: true });
  return promtool(['tsdb', 'dump', copy]);
}

function ours(args: readonly string[]): { stdout: string; stderr: string; status: number | null } {
  const r = runCli(['tsdb', 'create-blocks-from', ...args]);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('the promtool fixture', () => {
  const input = join(work, 'input.om');
  writeFileSync(input, gunzipSync(readFileSync(join(FIXTURES, 'input.om.gz'))));

  it('gives byte-identical blocks, promtool\'s stdout and its dump', () => {
    const out = freshDir('fixture');
    const r = ours(['openmetrics', input, out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(maskUlids(r.stdout)).toBe(maskUlids(readFileSync(join(FIXTURES, 'create-blocks-output.txt'), 'utf8')));

    const expected = blockFiles(FIXTURES);
    const actual = blockFiles(out);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [minTime, files] of expected) {
      const got = actual.get(minTime)!;
      for (const key of ['index', 'chunks', 'tombstones'] as const) expect(Buffer.compare(got[key] as Buffer, files[key] as Buffer), `${minTime} ${key}`).toBe(0);
      expect(got.meta).toBe(files.meta);
      expect(got.files).toBe(files.files);
    }
    expect(readdirSync(out).length).toBe(4); // nothing else: no temporary directories

    const dump = runCli(['tsdb', 'dump', out]);
    expect(dump.status).toBe(0);
    expect(dump.stdout === gunzipSync(readFileSync(join(FIXTURES, 'dump.txt.gz'))).toString('utf8')).toBe(true);
  }, 60_000);

  it('prints human-readable rows with -r and nothing with -q', () => {
    const human = ours(['openmetrics', '-r', input, freshDir('fixture-r')]);
    // list.txt aligns all rows together; here each row is aligned on its own, as promtool prints them.
    const cells = (text: string): string[][] => maskUlids(text).trimEnd().split('\n').map((l) => l.split(/ {2,}/));
    expect(cells(human.stdout)).toEqual(cells(readFileSync(join(FIXTURES, 'list.txt'), 'utf8')));
    const quiet = ours(['-q', 'openmetrics', input, freshDir('fixture-q')]);
    expect(quiet).toEqual({ stdout: '', stderr: '', status: 0 });
    expect(blockDirs(join(work, 'fixture-q'))).toHaveLength(4);
  }, 60_000);
});

describe.skipIf(!PROMTOOL)('against promtool 2.42', () => {
  if (!PROMTOOL) console.warn(PROMTOOL_MISSING);

  /** Runs both tools on the same input and flags; expects the same outcome and the same blocks. */
  function compare(name: string, text: string, flags: readonly string[] = []): { blocks: number } {
    const input = join(work, `${name}.om`);
    writeFileSync(input, text);
    const theirsDir = freshDir(`${name}-promtool`);
    const oursDir = freshDir(`${name}-promwasm`);
    const theirs = promtoolResult(['tsdb', 'create-blocks-from', ...flags, 'openmetrics', input, theirsDir]);
    const mine = ours([...flags, 'openmetrics', input, oursDir]);
    expect(mine.stderr.replaceAll(oursDir, '<DIR>').replace(/^promwasm:/, 'promtool:')).toBe(theirs.stderr.replaceAll(theirsDir, '<DIR>'));
    expect(mine.status).toBe(theirs.status);
    expect(maskUlids(mine.stdout)).toBe(maskUlids(theirs.stdout));
    const expected = blockFiles(theirsDir);
    const actual = blockFiles(oursDir);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [minTime, files] of expected) expect(actual.get(minTime), `block ${minTime}`).toEqual(files);
    expect(readdirSync(oursDir).sort()).toEqual(blockDirs(oursDir).sort()); // only whole blocks
    if (expected.size > 0) expect(runCli(['tsdb', 'dump', oursDir]).stdout === promtoolDump(theirsDir)).toBe(true);
    return { blocks: expected.size };
  }

  it.each([
    [1, false],
    [2, true],
    [3, false],
  ])('seeded input %i (interleaved %s): the same blocks, byte for byte, and the same dump', (seed, interleave) => {
    const { blocks } = compare(`seed-${seed}`, generateBackfillInput(seed, { interleave, families: 14, hours: 5 }));
    expect(blocks).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('larger block durations (--max-block-duration), and -r', () => {
    const text = generateBackfillInput(7, { families: 3, hours: 16 });
    for (const d of ['5h', '6h', '19h', '1h30m0.5s']) compare(`mbd-${d}`, text, [`--max-block-duration=${d}`]);
    compare('human', text, ['-r']);
  }, 180_000);

  it.each([
    ['no # EOF', 'a 1 1\n'],
    ['unparsable line', 'a 1 1\na{ 1 1\n# EOF\n'],
    ['a sample without timestamp', 'a 1 1\nb 2\n# EOF\n'],
    ['data after # EOF', 'a 1 1\n# EOF\nb 1 1\n'],
    ['a NaN timestamp', 'a 1 NaN\n# EOF\n'],
    ['a repeated label name', 'a{x="1",x="2"} 1 1\n# EOF\n'],
    ['a __name__ label', 'a{__name__="b"} 1 1\n# EOF\n'],
    ['no samples', '# TYPE a gauge\n# EOF\n'],
    ['out of order within a commit (dropped)', 'a 1 2\na 5 1\na 3 2\n# EOF\n'],
    ['empty label values (dropped)', 'a{x=""} 1 2\na 3 3\n# EOF\n'],
    ['negative times (window truncated toward zero)', 'a 1 -1\na 1 -7300\nb 1 3\n# EOF\n'],
  ])('%s', (name, text) => {
    compare(name.replace(/\W+/g, '-'), text);
  }, 60_000);

  it('out of order and conflicting duplicates across a commit: promtool\'s error, earlier blocks kept, no partial block', () => {
    // 5000 appends per commit: the sample after them is checked against the committed ones.
    const fill = (series: string, from: number): string => Array.from({ length: 5000 }, (_, i) => `${series} ${i} ${from + i}\n`).join('');
    const earlier = 'early 1 100\n'; // a first window that is written before the failure
    compare('ooo-commit', `${earlier}${fill('a', 8000)}a 1 7999\n# EOF\n`);
    compare('dup-commit', `${earlier}${fill('a', 8000)}a 1 12999\n# EOF\n`);
    compare('same-dup-commit', `${earlier}${fill('a', 8000)}a 4999 12999\n# EOF\n`);
  }, 60_000);

  it('file errors', () => {
    const emptyFile = join(work, 'empty.om');
    writeFileSync(emptyFile, '');
    const notADir = join(work, 'plain-file');
    writeFileSync(notADir, 'a 1 1\n# EOF\n');
    for (const args of [
      ['openmetrics', join(work, 'missing.om'), freshDir('e1')],
      ['openmetrics', emptyFile, freshDir('e2')],
      ['openmetrics', notADir, notADir],
      ['openmetrics'],
      [],
      ['--max-block-duration=1x', 'openmetrics', notADir, freshDir('e3')],
    ]) {
      const theirs = promtoolResult(['tsdb', 'create-blocks-from', ...args]);
      const mine = ours(args);
      expect(mine.stderr.replace(/^promwasm:/, 'promtool:')).toBe(theirs.stderr);
      expect(mine.status).toBe(theirs.status);
    }
  }, 60_000);
});
