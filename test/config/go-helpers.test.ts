import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { glob, globMatch, GlobPatternError } from '../../src/config/glob.js';
import { parseGoUrl } from '../../src/config/go-url.js';

describe("Go's filepath.Match", () => {
  it.each([
    ['*.json', 'a.json', true],
    ['*.json', 'dir/a.json', false],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['[^a-c]x', 'dx', true],
    ['\\*', '*', true],
    ['a[\\]]b', 'a]b', true],
    ['*', '', true],
  ])('%j ~ %j: %s', (pattern, name, want) => {
    expect(globMatch(pattern, name)).toBe(want);
  });

  it.each(['[', '[a', '[]', '[-a]', 'a\\', '[z-a]', '[a-]'])('%j is a bad pattern', (pattern) => {
    expect(() => globMatch(pattern, 'x')).toThrow(GlobPatternError);
  });
});

describe("Go's filepath.Glob", () => {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-glob-'));
  mkdirSync(join(dir, 'sub1'));
  mkdirSync(join(dir, 'sub2'));
  for (const f of ['b.yml', 'a.yml', 'c.json', 'sub1/x.yml', 'sub2/y.yml']) writeFileSync(join(dir, f), '');

  it('sorted matches per directory, patterns in directories too', () => {
    expect(glob(join(dir, '*.yml'))).toEqual([join(dir, 'a.yml'), join(dir, 'b.yml')]);
    expect(glob(join(dir, 'sub*/*.yml'))).toEqual([join(dir, 'sub1/x.yml'), join(dir, 'sub2/y.yml')]);
    expect(glob(join(dir, 'none-*.yml'))).toEqual([]);
  });

  it('a pattern without meta characters is the file if it exists', () => {
    expect(glob(join(dir, 'c.json'))).toEqual([join(dir, 'c.json')]);
    expect(glob(join(dir, 'nope.json'))).toEqual([]);
  });
});

describe("Go's url.Parse", () => {
  it('takes the parts Prometheus looks at', () => {
    expect(parseGoUrl('HTTP://user:pw@host:9090/api/v1/write?x=1#f')).toMatchObject({ scheme: 'http', user: 'user', host: 'host:9090', path: '/api/v1/write', rawQuery: 'x=1', fragment: 'f' });
    expect(parseGoUrl('localhost:9090')).toMatchObject({ scheme: 'localhost', opaque: '9090', host: '' });
    expect(parseGoUrl('a:b/c:d')).toMatchObject({ scheme: 'a', opaque: 'b/c:d' });
    expect(parseGoUrl('/just/a/path')).toMatchObject({ scheme: '', host: '', path: '/just/a/path' });
    expect(parseGoUrl('http://[::1]:80/')).toMatchObject({ host: '[::1]:80' });
    expect(parseGoUrl('http://a/%41')).toMatchObject({ path: '/A' });
  });

  it.each([
    ['://x', 'parse "://x": missing protocol scheme'],
    ['1a:b', 'parse "1a:b": first path segment in URL cannot contain colon'],
    ['http://a:port/', 'parse "http://a:port/": invalid port ":port" after host'],
    ['http://[::1/', 'parse "http://[::1/": missing \']\' in host'],
    ['http://a b/', 'parse "http://a b/": invalid character " " in host name'],
    ['http://a/%zz', 'parse "http://a/%zz": invalid URL escape "%zz"'],
    ['http://a/%4', 'parse "http://a/%4": invalid URL escape "%4"'],
    ['http://a%41/', 'parse "http://a%41/": invalid URL escape "%41"'],
    ['http://a\x01/', 'parse "http://a\\x01/": net/url: invalid control character in URL'],
    ['http://u ser@a/', 'parse "http://u ser@a/": net/url: invalid userinfo'],
  ])('%j is refused: %s', (raw, message) => {
    expect(() => parseGoUrl(raw)).toThrow(message);
  });
});
