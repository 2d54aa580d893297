import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FLAGS, FlagError, parseArgs, usage } from '../../src/server/flags.js';
import { parseListenAddress, parseServerArgs, type ServerOptions } from '../../src/server/options.js';
import { findOnPath } from './helpers.js';

const H = 3_600_000;
const D = 24 * H;

function flagError(argv: string[]): FlagError {
  try {
    parseServerArgs(argv);
  } catch (err) {
    if (err instanceof FlagError) return err;
    throw err;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('defaults', () => {
  const options = parseServerArgs([]);

  it('match Prometheus 2.42', () => {
    expect(options.configFile).toBeUndefined();
    expect(options.web).toEqual({
      listenAddress: { host: '0.0.0.0', port: 9090 },
      readTimeoutMs: 5 * 60_000,
      maxConnections: 512,
      enableLifecycle: false,
      enableAdminAPI: false,
      configFile: '',
    });
    expect(options.tsdb).toEqual({
      path: 'data/',
      retentionMs: 15 * D,
      retentionBytes: 0,
      minBlockDurationMs: 2 * H,
      maxBlockDurationMs: 36 * H, // 10% of 15d
      walCompression: true,
      noLockfile: false,
    });
    expect(options.remote).toEqual({ flushDeadlineMs: 60_000, readSampleLimit: 50_000_000, readConcurrentLimit: 10, readMaxBytesInFrame: 1_048_576 });
    expect(options.query).toEqual({ lookbackDeltaMs: 5 * 60_000, timeoutMs: 2 * 60_000, maxConcurrency: 20, maxSamples: 50_000_000 });
    expect(options.log).toEqual({ level: 'info', format: 'logfmt' });
    expect(options.features).toEqual([]);
  });

  it('say that the default retention is in use', () => {
    expect(options.notices).toEqual([
      { level: 'info', msg: 'No time or size retention was set so using the default time retention', fields: { duration: '15d' } },
    ]);
  });

  it('list every flag with its effective value, as /api/v1/status/flags will', () => {
    expect(Object.keys(options.flagValues).sort()).toEqual(FLAGS.map((f) => f.name).sort());
    expect(options.flagValues).toMatchObject({
      'storage.tsdb.retention.time': '15d',
      'storage.tsdb.max-block-duration': '1d12h',
      'storage.tsdb.retention.size': '0B',
      'query.max-samples': '50000000',
      'storage.remote.read-sample-limit': '50000000',
      'web.enable-lifecycle': 'false',
      'config.file': '',
    });
  });

  it('are deeply frozen', () => {
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.web.listenAddress)).toBe(true);
    expect(Object.isFrozen(options.features)).toBe(true);
    expect(() => {
      (options.tsdb as { path: string }).path = 'elsewhere';
    }).toThrow(TypeError);
  });
});

describe('every flag', () => {
  const cases: [string[], (o: ServerOptions) => unknown, unknown][] = [
    [['--config.file=p.yml'], (o) => o.configFile, 'p.yml'],
    [['--web.listen-address=127.0.0.1:0'], (o) => o.web.listenAddress, { host: '127.0.0.1', port: 0 }],
    [['--web.read-timeout=30s'], (o) => o.web.readTimeoutMs, 30_000],
    [['--web.max-connections=7'], (o) => o.web.maxConnections, 7],
    [['--web.max-connections=0'], (o) => o.web.maxConnections, 0],
    [['--web.enable-lifecycle'], (o) => o.web.enableLifecycle, true],
    [['--web.enable-admin-api'], (o) => o.web.enableAdminAPI, true],
    [['--web.config.file=web.yml'], (o) => o.web.configFile, 'web.yml'],
    [['--web.enable-remote-write-receiver'], (o) => o.flagValues['web.enable-remote-write-receiver'], 'true'],
    [['--storage.tsdb.path=/var/lib/x'], (o) => o.tsdb.path, '/var/lib/x'],
    [['--storage.tsdb.min-block-duration=1h'], (o) => o.tsdb.minBlockDurationMs, H],
    [['--storage.tsdb.max-block-duration=4h'], (o) => o.tsdb.maxBlockDurationMs, 4 * H],
    [['--storage.tsdb.retention.time=30d'], (o) => [o.tsdb.retentionMs, o.tsdb.maxBlockDurationMs], [30 * D, 3 * D]],
    [['--storage.tsdb.retention.time=1y'], (o) => o.tsdb.maxBlockDurationMs, 31 * D],
    [['--storage.tsdb.retention.size=512MB'], (o) => [o.tsdb.retentionBytes, o.tsdb.retentionMs, o.tsdb.maxBlockDurationMs], [512 * 2 ** 20, 0, 31 * D]],
    [['--storage.tsdb.wal-compression=false'], (o) => o.tsdb.walCompression, false],
    [['--no-storage.tsdb.wal-compression'], (o) => o.tsdb.walCompression, false],
    [['--storage.remote.flush-deadline=10s'], (o) => o.remote.flushDeadlineMs, 10_000],
    [['--storage.remote.read-sample-limit=0'], (o) => o.remote.readSampleLimit, 0],
    [['--storage.remote.read-concurrent-limit=3'], (o) => o.remote.readConcurrentLimit, 3],
    [['--storage.remote.read-max-bytes-in-frame=65536'], (o) => o.remote.readMaxBytesInFrame, 65536],
    [['--query.lookback-delta=1m'], (o) => o.query.lookbackDeltaMs, 60_000],
    [['--query.timeout=1h30m'], (o) => o.query.timeoutMs, 90 * 60_000],
    [['--query.max-concurrency=4'], (o) => o.query.maxConcurrency, 4],
    [['--query.max-samples=5e6'], (o) => o.query.maxSamples, 5_000_000],
    [['--enable-feature=native-histograms,exemplar-storage', '--enable-feature', 'native-histograms'], (o) => o.features, ['native-histograms', 'exemplar-storage']],
    [['--log.level=debug'], (o) => o.log.level, 'debug'],
    [['--log.format=json'], (o) => o.log.format, 'json'],
  ];

  it.each(cases)('%j', (argv, get, expected) => {
    expect(get(parseServerArgs(argv))).toEqual(expected);
  });

  it('takes values as --flag=value and as --flag value alike', () => {
    const joined = parseServerArgs(['--storage.tsdb.path=x', '--query.timeout=1m', '--log.format=json']);
    const split = parseServerArgs(['--storage.tsdb.path', 'x', '--query.timeout', '1m', '--log.format', 'json']);
    expect(split).toEqual(joined);
  });

  it.each([
    ['--web.enable-lifecycle', true],
    ['--web.enable-lifecycle=true', true],
    ['--web.enable-lifecycle=1', true],
    ['--web.enable-lifecycle=false', false],
    ['--web.enable-lifecycle=0', false],
    ['--no-web.enable-lifecycle', false],
  ])('reads the boolean %s', (arg, value) => {
    expect(parseServerArgs([arg]).web.enableLifecycle).toBe(value);
  });

  it('keeps a larger block duration than the smallest block, as the TSDB does', () => {
    const o = parseServerArgs(['--storage.tsdb.retention.time=1h']);
    expect(o.tsdb.retentionMs).toBe(H);
    expect(o.tsdb.maxBlockDurationMs).toBe(2 * H);
  });

  it('prefers the new retention flag over the deprecated one, and warns about the old one', () => {
    const o = parseServerArgs(['--storage.tsdb.retention=10d', '--storage.tsdb.retention.time=20d']);
    expect(o.tsdb.retentionMs).toBe(20 * D);
    expect(o.notices.map((n) => n.level)).toEqual(['warn']);
    expect(parseServerArgs(['--storage.tsdb.retention=10d']).tsdb.retentionMs).toBe(10 * D);
  });

  it('treats an explicit zero retention as unset', () => {
    expect(parseServerArgs(['--storage.tsdb.retention.time=0']).tsdb.retentionMs).toBe(15 * D);
  });

  it('warns about unknown and no-op features', () => {
    const o = parseServerArgs(['--enable-feature=bogus,promql-at-modifier,remote-write-receiver']);
    expect(o.features).toEqual([]);
    expect(o.notices.filter((n) => n.level === 'warn')).toHaveLength(3);
  });
});

describe('errors', () => {
  it.each([
    [['--x'], "unknown long flag '--x'"],
    [['--no-config.file'], "unknown long flag '--no-config.file'"],
    [['-v'], "unknown short flag '-v'"],
    [['foo'], 'unexpected foo'],
    [['--', 'foo'], 'unexpected foo'],
    [['--config.file'], "expected argument for flag '--config.file'"],
    [['--config.file', '--web.enable-lifecycle'], "expected argument for flag '--config.file'"],
    [['--no-web.enable-lifecycle=true'], "flag '--no-web.enable-lifecycle' takes no value"],
  ])('%j exits 1: %s', (argv, message) => {
    const err = flagError(argv);
    expect(err.message).toBe(message);
    expect(err.exitCode).toBe(1);
  });

  it.each([
    [['--storage.tsdb.retention.time=abc'], `invalid value "abc" for flag '--storage.tsdb.retention.time': not a valid duration string: "abc"`],
    [['--storage.tsdb.retention.time='], `invalid value "" for flag '--storage.tsdb.retention.time': empty duration string`],
    [['--query.timeout=5'], `invalid value "5" for flag '--query.timeout': not a valid duration string: "5"`],
    [['--query.lookback-delta=293y'], `invalid value "293y" for flag '--query.lookback-delta': duration out of range`],
    [['--storage.tsdb.min-block-duration=0'], `invalid value "0" for flag '--storage.tsdb.min-block-duration': must be greater than 0`],
    [['--storage.tsdb.retention.size=12'], `invalid value "12" for flag '--storage.tsdb.retention.size': units: unknown unit  in 12`],
    [['--storage.tsdb.retention.size=-1GB'], `invalid value "-1GB" for flag '--storage.tsdb.retention.size': must not be negative`],
    [['--web.max-connections=abc'], `invalid value "abc" for flag '--web.max-connections': not a number`],
    [['--web.max-connections=1.5'], `invalid value "1.5" for flag '--web.max-connections': must be a whole number`],
    [['--web.max-connections=-5'], `invalid value "-5" for flag '--web.max-connections': must be at least 0`],
    [['--query.max-concurrency=0'], `invalid value "0" for flag '--query.max-concurrency': must be at least 1`],
    [['--web.enable-lifecycle=maybe'], `invalid value "maybe" for flag '--web.enable-lifecycle': expected true or false`],
    [['--log.level=DEBUG'], `invalid value "DEBUG" for flag '--log.level': unrecognized log level "DEBUG"`],
    [['--log.format=text'], `invalid value "text" for flag '--log.format': unrecognized log format "text"`],
    [['--web.listen-address=9090'], `invalid value "9090" for flag '--web.listen-address': address 9090: missing port in address`],
    [['--config.file='], `invalid value "" for flag '--config.file': the path must not be empty`],
    [['--storage.tsdb.path='], `invalid value "" for flag '--storage.tsdb.path': the path must not be empty`],
    [['--config.file=a', '--config.file=b'], "flag 'config.file' cannot be repeated"],
    [['--web.enable-lifecycle', '--no-web.enable-lifecycle'], "flag 'web.enable-lifecycle' cannot be repeated"],
  ])('%j exits 2: %s', (argv, message) => {
    const err = flagError(argv);
    expect(err.message).toBe(message);
    expect(err.exitCode).toBe(2);
  });
});

describe('--help and --version', () => {
  it('are actions of their own, wherever they appear', () => {
    expect(parseArgs(['--help'])).toEqual({ action: 'help' });
    expect(parseArgs(['-h'])).toEqual({ action: 'help' });
    expect(parseArgs(['--log.level=debug', '--version'])).toEqual({ action: 'version' });
  });

  it('a malformed flag before --help still fails', () => {
    expect(() => parseArgs(['--x', '--help'])).toThrow("unknown long flag '--x'");
  });

  it('usage lists every visible flag with its default', () => {
    const text = usage('promwasm');
    expect(text.startsWith('usage: promwasm [<flags>]\n')).toBe(true);
    for (const flag of FLAGS) expect(text.includes(`--${flag.name}`)).toBe(!flag.hidden);
    expect(text).toContain('--web.listen-address="0.0.0.0:9090"');
    expect(text).toContain('--storage.tsdb.retention.time=<duration>');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('parseListenAddress', () => {
  it.each([
    [':9090', { host: '', port: 9090 }],
    ['0.0.0.0:9090', { host: '0.0.0.0', port: 9090 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['[::]:65535', { host: '::', port: 65535 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });

  it.each([
    ['9090', 'missing port in address'],
    ['::1:9090', 'too many colons in address'],
    ['[::1:9090', "missing ']' in address"],
    ['a]:9090', 'unexpected bracket in address'],
    ['host:', 'invalid port ""'],
    ['host:http', 'invalid port "http"'],
    ['host:65536', 'invalid port "65536"'],
    ['host:-1', 'invalid port "-1"'],
  ])('%s is rejected: %s', (text, message) => {
    expect(() => parseListenAddress(text)).toThrow(message);
  });
});

// Exit codes of real Prometheus 2.42 for the same command lines (flags both servers know).
const prometheusBinary = findOnPath('prometheus');

describe.skipIf(!prometheusBinary)('exit codes agree with Prometheus 2.42 (needs `prometheus` on PATH)', () => {
  it.each([
    [['--x']],
    [['--config.file']],
    [['stray']],
    [['--storage.tsdb.retention.time=abc']],
    [['--storage.tsdb.retention.size=12']],
    [['--config.file=a', '--config.file=b']],
    [['--log.level=DEBUG']],
    [['--log.format=text']],
    [['--query.timeout=1m1h']],
  ])('%j', (argv) => {
    const theirs = spawnSync(prometheusBinary!, argv, { timeout: 10_000 }).status;
    expect(flagError(argv).exitCode).toBe(theirs);
  });
});
