import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { checkConfigCommand } from '../../src/cli/check-config.js';
import { checkConfigFile } from '../../src/config/check.js';

async function check(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const chunks = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr'): Writable =>
    new Writable({
      write(chunk, _enc, cb) {
        chunks[key] += String(chunk);
        cb();
      },
    });
  const code = await checkConfigCommand(argv, { stdout: sink('stdout'), stderr: sink('stderr') });
  return { code, ...chunks };
}

const dir = mkdtempSync(join(tmpdir(), 'promwasm-checkcmd-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('promwasm check config', () => {
  it('prints promtool\'s success lines', async () => {
    const f = file('ok.yml', 'scrape_configs: [{job_name: a, static_configs: [{targets: ["a:1"]}]}]\n');
    expect(await check([f])).toEqual({ code: 0, stdout: `Checking ${f}\n SUCCESS: ${f} is valid prometheus config file syntax\n\n`, stderr: '' });
  });

  it('prints FAILED on stderr, the rest on stdout, and exits 1', async () => {
    const f = file('bad.yml', 'scrape_configs: [{job_name: a, sample_limit: x}]\n');
    expect(await check([f])).toEqual({
      code: 1,
      stdout: `Checking ${f}\n\n`,
      stderr: `  FAILED: parsing YAML file ${f}: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str \`x\` into uint\n`,
    });
  });

  it('checks every file and fails if any fails', async () => {
    const good = file('good2.yml', '');
    const bad = file('bad2.yml', 'global: {scrape_interval: 1m, scrape_timeout: 2m}\n');
    const r = await check([bad, good]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`Checking ${bad}\n\nChecking ${good}\n SUCCESS: ${good} is valid prometheus config file syntax\n\n`);
    expect(r.stderr).toBe(`  FAILED: parsing YAML file ${bad}: global.scrape_timeout: global scrape timeout greater than scrape interval (line 1, column 47)\n`);
  });

  it('finds rule files and says that their rules are not checked', async () => {
    mkdirSync(join(dir, 'rules'), { recursive: true });
    writeFileSync(join(dir, 'rules', 'a.yml'), 'groups: []\n');
    writeFileSync(join(dir, 'rules', 'b.yml'), 'groups: []\n');
    const f = file('rules.yml', 'rule_files: ["rules/*.yml"]\n');
    const r = await check([f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Checking ${f}\n  SUCCESS: 2 rule files found\n SUCCESS: ${f} is valid prometheus config file syntax\n\n` +
        `Checking ${join(dir, 'rules/a.yml')}\n  SKIPPED: rules are not checked: promwasm evaluates no rules (promtool check rules does)\n\n` +
        `Checking ${join(dir, 'rules/b.yml')}\n  SKIPPED: rules are not checked: promwasm evaluates no rules (promtool check rules does)\n\n`,
    );
  });

  it('warns about file_sd files that do not exist, and --syntax-only skips every file check', async () => {
    const f = file('sd.yml', 'rule_files: [missing.yml]\nscrape_configs: [{job_name: j, file_sd_configs: [{files: [nothing/*.json]}], tls_config: {cert_file: c, key_file: k}}]\n');
    const r = await check([f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`  FAILED: "${join(dir, 'missing.yml')}" does not point to an existing file\n`);
    const syntax = await check(['--syntax-only', f]);
    expect(syntax.code).toBe(0);
    expect(syntax.stdout).toBe(`Checking ${f}\n SUCCESS: ${f} is valid prometheus config file syntax\n\n`);
    const g = file('sd2.yml', 'scrape_configs: [{job_name: j, file_sd_configs: [{files: [nothing/*.json]}]}]\n');
    expect((await check([g])).stdout).toBe(`Checking ${g}\n  WARNING: file "${join(dir, 'nothing/*.json')}" for file_sd in scrape job "j" does not exist\n SUCCESS: ${g} is valid prometheus config file syntax\n\n`);
  });

  it('--agent refuses what an agent cannot do', async () => {
    const f = file('agent.yml', 'remote_read: [{url: "http://a"}]\n');
    expect((await check([f])).code).toBe(0);
    expect(await check(['--agent', f])).toMatchObject({ code: 1, stderr: '  FAILED: field remote_read is not allowed in agent mode\n' });
  });

  it('usage errors are kingpin\'s', async () => {
    await expect(check([])).rejects.toThrow(new UsageError("required argument 'config-files' not provided"));
    await expect(check([join(dir, 'nope.yml')])).rejects.toThrow(new UsageError(`path '${join(dir, 'nope.yml')}' does not exist`));
    await expect(check([dir])).rejects.toThrow(new UsageError(`'${dir}' is a directory`));
    await expect(check(['--bogus', 'x'])).rejects.toThrow(new UsageError("unknown long flag '--bogus'"));
  });

  it('--help prints the usage', async () => {
    const r = await check(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: promwasm check config \[<flags>\] <config-files>\.\.\./);
  });

  it('an unknown lint option is reported and ignored, as promtool does', async () => {
    const f = file('lint.yml', '');
    const r = await check(['--lint=bogus', f]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('WARNING: unknown lint option bogus\n')).toBe(true);
  });

  it('a file that cannot be read is reported as Go reports it', () => {
    expect(checkConfigFile(join(dir, 'absent.yml')).error).toBe(`open ${join(dir, 'absent.yml')}: no such file or directory`);
  });
});
