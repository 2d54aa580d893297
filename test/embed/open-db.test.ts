// The embedding API from the package root: openDB's option checks, the appender, select, PromQL,
// close (flush + lock released, data back after reopening) and the directory lock against another
// process.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatabaseClosedError,
  DirLockedError,
  InvalidOptionError,
  labelsFromRecord,
  openDB,
  PromQLParseError,
  StorageError,
  type OpenDBOptions,
} from '../../src/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'promwasm-embed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under `root` with its size and mtime: "nothing touched" is this listing unchanged. */
function listing(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).map((e) => {
    const p = join(e.parentPath, e.name);
    const s = statSync(p);
    return `${p} ${s.size} ${s.mtimeMs}`;
  }).sort();
}

describe('openDB', () => {
  it('appends, selects, queries and reopens what it wrote', async () => {
    const db = await openDB(join(dir, 'data'));
    expect(readFileSync(join(dir, 'data', 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    const app = db.appender();
    const up = labelsFromRecord({ __name__: 'up', job: 'api', instance: 'a' });
    const t0 = 1_700_000_000_000;
    let ref = 0;
    for (let i = 0; i < 10; i++) ref = app.append(ref, up, t0 + i * 1000, i);
    const other = app.append(0, labelsFromRecord({ __name__: 'up', job: 'db', instance: 'b' }), t0, 42);
    expect(other).not.toBe(ref);
    app.append(ref, up, t0 + 10_000, STALE_NAN[0]!);
    await app.commit();

    const series = [];
    for await (const s of db.select('up{job="api"}', { mint: t0, maxt: t0 + 10_000 })) series.push({ labels: s.labels, ...(await s.samples()) });
    expect(series).toHaveLength(1);
    expect(series[0]!.labels).toEqual(up);
    expect(series[0]!.length).toBe(11);
    expect(Array.from(series[0]!.timestamps.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, i) => t0 + i * 1000));
    expect(Array.from(series[0]!.values.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const bits = new BigUint64Array(series[0]!.values.buffer, series[0]!.values.byteOffset, series[0]!.length);
    expect(bits[10]).toBe(0x7ff0000000000002n);

    const instant = await db.query('sum by (job) (up)', new Date(t0 + 5000));
    expect(instant).toEqual({
      kind: 'vector',
      samples: [
        { labels: [{ name: 'job', value: 'api' }], v: 5, t: t0 + 5000 },
        { labels: [{ name: 'job', value: 'db' }], v: 42, t: t0 + 5000 },
      ],
    });
    const range = await db.queryRange('up{job="api"} * 2', t0, t0 + 9000, '3s');
    expect(range).toHaveLength(1);
    expect(Array.from(range[0]!.timestamps)).toEqual([t0, t0 + 3000, t0 + 6000, t0 + 9000]);
    expect(Array.from(range[0]!.values)).toEqual([0, 6, 12, 18]);
    await expect(db.query('sum(', t0)).rejects.toThrow(PromQLParseError);

    // Rejected samples throw from append; rollback leaves nothing behind.
    const late = db.appender();
    expect(() => late.append(ref, up, t0, 1)).toThrow(StorageError);
    late.append(ref, up, t0 + 20_000, 99);
    await late.rollback();
    expect(db.stats().numSeries).toBe(2);

    await db.close();
    expect(existsSync(join(dir, 'data', 'lock'))).toBe(false);
    expect(() => db.appender()).toThrow(DatabaseClosedError);

    const again = await openDB(join(dir, 'data'));
    const back = await again.query('count_over_time(up{job="api"}[1m])', t0 + 9000);
    expect(back.kind === 'vector' && back.samples.map((s) => s.v)).toEqual([10]);
    await again.close();
  });

  it('refuses a second open of the same directory in this process, and allows it after close', async () => {
    const db = await openDB(dir);
    await expect(openDB(dir)).rejects.toThrow(DirLockedError);
    await db.close();
    await (await openDB(dir)).close();
  });

  it('replaces a stale lock file whose process is gone', async () => {
    // A pid that cannot run: above Linux's pid_max limit (2^22).
    writeFileSync(join(dir, 'lock'), '4194305\n');
    const db = await openDB(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    await db.close();
    // An empty file, as a crashed Prometheus leaves it.
    writeFileSync(join(dir, 'lock'), '');
    await (await openDB(dir)).close();
  });

  it.runIf(process.platform === 'linux' && existsSync('/usr/bin/flock'))('sees an flock on the lock file, as a running Prometheus holds it', async () => {
    const child = spawn('/usr/bin/flock', ['--exclusive', join(dir, 'lock'), 'sh', '-c', 'echo locked; exec sleep 60'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // its own process group, so the sleeping child goes with it
    });
    try {
      await new Promise<void>((res) => child.stdout!.once('data', () => res()));
      const err = await openDB(dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DirLockedError);
      expect((err as DirLockedError).pid).toBe(child.pid);
      expect((err as Error).message).toMatch(/locked by process \d+ \(an flock on .*lock, as Prometheus holds\)/);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });

  it('lockfile: false takes no lock', async () => {
    const db = await openDB(dir, { lockfile: false });
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    await db.close();
  });
});

describe('openDB bad input: a clear error naming the option, nothing written', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['unknown option', { retension: '30d' }, 'retension', /unknown option "retension" \(known options: retention, /],
    ['wrong type', { retention: true }, 'retention', /option "retention" must be a duration \(milliseconds, or a string such as "15d"\), got boolean true/],
    ['negative number', { minBlockDuration: -1 }, 'minBlockDuration', /option "minBlockDuration" must not be negative, got -1/],
    ['negative string', { outOfOrderTimeWindow: '-5m' }, 'outOfOrderTimeWindow', /must not be negative, got "-5m"/],
    ['bad duration', { lookbackDelta: '5 minutes' }, 'lookbackDelta', /option "lookbackDelta": .*5 minutes/],
    ['fractional ms', { queryTimeout: 1.5 }, 'queryTimeout', /whole number of milliseconds, got 1.5/],
    ['zero block', { minBlockDuration: 0 }, 'minBlockDuration', /must be greater than 0/],
    ['boolean', { walCompression: 'yes' }, 'walCompression', /option "walCompression" must be a boolean, got the string "yes"/],
    ['count', { maxSamples: -5 }, 'maxSamples', /non-negative integer, got number -5/],
    ['logger', { logger: console.log }, 'logger', /info, warn and error methods, got a function/],
    ['not an object', 'fast', 'options', /options must be an object, got the string "fast"/],
  ];
  for (const [name, options, option, message] of cases) {
    it(name, async () => {
      const target = join(dir, 'data');
      const err = await openDB(target, options as OpenDBOptions).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).option).toBe(option);
      expect((err as Error).message).toMatch(/^openDB: /);
      expect((err as Error).message).toMatch(message);
      expect(existsSync(target)).toBe(false);
    });
  }

  it('a bad dir argument', async () => {
    await expect(openDB('' as string)).rejects.toThrow(/openDB: dir must be a non-empty string/);
    await expect(openDB(42 as unknown as string)).rejects.toThrow(/got number 42/);
  });

  it('a directory locked by another process: DirLockedError naming its pid, nothing touched', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    // A child process (another promwasm) opens the directory and holds it until told to stop.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { openDB } = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))});
         const db = await openDB(${JSON.stringify(data)});
         const app = db.appender();
         app.append(0, [{ name: '__name__', value: 'held' }], 1000, 1);
         await app.commit();
         process.stdout.write('open\\n');
         process.stdin.once('data', async () => { await db.close(); process.exit(0); });`,
      ],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((res, rej) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && res());
        child.once('exit', (code) => rej(new Error(`child exited with ${code}`)));
      });
      const before = listing(data);
      const err = await openDB(data).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DirLockedError);
      expect((err as DirLockedError).pid).toBe(child.pid);
      expect((err as Error).message).toBe(
        `lock DB directory: directory ${data} locked by process ${child.pid} (lock file ${join(data, 'lock')}; if no promwasm runs on this directory, remove the file)`,
      );
      expect(listing(data)).toEqual(before);
    } finally {
      child.stdin!.write('stop\n');
      await new Promise((r) => child.once('exit', r));
    }
    // Released by the child's close: open now, with the child's sample.
    const db = await openDB(data);
    const v = await db.query('held', 1000);
    expect(v.kind === 'vector' && v.samples.map((s) => s.v)).toEqual([1]);
    await db.close();
  }, 60_000);
});

describe('the lock file against hostile contents', () => {
  it('a directory, a FIFO or a huge file named lock: an error or a stale lock, never a hang', async () => {
    mkdirSync(join(dir, 'lock'));
    await expect(openDB(dir)).rejects.toThrow(/lock DB directory: .*lock is not a regular file/);
    rmSync(join(dir, 'lock'), { recursive: true });
    spawnSync('mkfifo', [join(dir, 'lock')]);
    await expect(openDB(dir)).rejects.toThrow(/is not a regular file/);
    rmSync(join(dir, 'lock'));
    writeFileSync(join(dir, 'lock'), Buffer.alloc(10 << 20, 0x31)); // "1111…": not a pid
    const db = await openDB(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    await db.close();
  });
});

describe('concurrent opens', () => {
  it('of a directory with a stale lock: exactly one process wins', async () => {
    writeFileSync(join(dir, 'lock'), '4194305\n');
    const script = `const { DirLock } = await import(${JSON.stringify(join(ROOT, 'src/tsdb/dir-lock.ts'))});
      process.stdout.write('ready\\n');
      process.stdin.once('data', () => {
        let held;
        try { held = DirLock.acquire(${JSON.stringify(dir)}); process.stdout.write('won\\n'); }
        catch (e) { process.stdout.write(e.name + '\\n'); }
        process.stdin.once('data', () => { held?.release(); process.exit(0); });
      });`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outputs = children.map((c) => {
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      return () => out;
    });
    const until = async (pred: () => boolean) => {
      for (const deadline = Date.now() + 30_000; !pred(); await new Promise((r) => setTimeout(r, 20))) {
        if (Date.now() > deadline) throw new Error(`children: ${outputs.map((o) => JSON.stringify(o())).join(' ')}`);
      }
    };
    try {
      await until(() => outputs.every((o) => o().includes('ready')));
      for (const c of children) c.stdin!.write('go\n'); // all at once
      await until(() => outputs.every((o) => o().split('\n').length === 3));
      const results = outputs.map((o) => o().split('\n')[1]).sort();
      expect(results).toEqual(['DirLockedError', 'DirLockedError', 'DirLockedError', 'won']);
    } finally {
      for (const c of children) c.stdin!.write('stop\n');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once('exit', r)))));
    }
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  }, 60_000);
});

describe('leftovers of killed openers', () => {
  it('candidate and set-aside files of dead processes are removed once the lock is taken; live ones stay', async () => {
    const dead = join(dir, 'lock.4194305.0123abcd.candidate');
    const deadAside = join(dir, 'lock.4194305.89abcdef.stale');
    const live = join(dir, `lock.1.0123abcd.candidate`); // pid 1 runs
    for (const f of [dead, deadAside, live]) writeFileSync(f, '');
    const db = await openDB(dir);
    expect(readdirSync(dir).filter((n) => n.startsWith('lock')).sort()).toEqual(['lock', 'lock.1.0123abcd.candidate']);
    await db.close();
  });
});
