// The data directory's lock file, `<dir>/lock`, after Prometheus's tsdbutil.DirLocker: taken when a
// directory is opened for writing, held open for the DB's life, removed on close.
//
// Prometheus holds an flock(2) on the file; Node has no flock, so promwasm's lock is the file itself:
//   - it is created exclusively (O_CREAT|O_EXCL) and holds the owner's pid, and the descriptor stays
//     open until release;
//   - an existing file names a live holder when its pid is a running process other than this one
//     (kill(pid, 0)), when this process already holds it, or (Linux) when /proc/locks shows an
//     flock on it, as a running Prometheus holds;
//   - otherwise it is stale (its owner died, or it is an empty file a crashed Prometheus left) and
//     is replaced, as Prometheus replaces a lockfile from a previous execution. The stale file is
//     first renamed aside and checked to be the very file judged stale, so two processes replacing
//     it at once cannot both win.
// A locked directory is refused before anything in it is touched. A dead owner whose pid a new,
// unrelated process now has keeps the directory locked until the file is removed by hand; the
// error says so. Prometheus's flock, in turn, does not see promwasm's lock.

import { closeSync, fstatSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The name of the lock file in a data directory (Prometheus's). */
export const LOCK_FILE = 'lock';

/** Thrown when another process (or this one) holds the directory's lock. Nothing was changed. */
export class DirLockedError extends Error {
  override readonly name = 'DirLockedError';
  constructor(
    readonly dir: string,
    /** The holder's pid, when known. */
    readonly pid: number | undefined,
    detail: string,
  ) {
    super(`lock DB directory: ${detail}`);
  }
}

/** Lock files held by this process, by absolute path. */
const held = new Set<string>();

const MAX_ATTEMPTS = 3;

/** A held directory lock. */
export class DirLock {
  private fd: number | undefined;

  private constructor(
    /** The lock file's absolute path. */
    readonly path: string,
    fd: number,
    private readonly ino: number,
    /** Whether a lock file from a previous execution was replaced (Prometheus's clean_start 0). */
    readonly replacedStale: boolean,
  ) {
    this.fd = fd;
  }

  /** Takes the lock of `dir` (which must exist), or throws DirLockedError. */
  static acquire(dir: string): DirLock {
    const path = join(resolve(dir), LOCK_FILE);
    if (held.has(path)) throw new DirLockedError(dir, process.pid, `directory ${dir} is already open in this process (pid ${process.pid})`);
    let replaced = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fd = createExclusive(path);
      if (fd !== undefined) {
        writeSync(fd, `${process.pid}\n`);
        held.add(path);
        return new DirLock(path, fd, fstatSync(fd).ino, replaced);
      }
      const holder = liveHolder(path);
      if (holder !== undefined) throw new DirLockedError(dir, holder.pid, holder.message);
      removeStale(path);
      replaced = true;
    }
    throw new DirLockedError(dir, undefined, `directory ${dir}: lock file ${path} keeps being replaced by another process`);
  }

  /** Closes the lock file and removes it (only if it is still the one this lock created). Idempotent. */
  release(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    held.delete(this.path);
    try {
      if (statSync(this.path).ino === this.ino) unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function createExclusive(path: string): number | undefined {
  try {
    return openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
}

/** The live holder of an existing lock file, or undefined when the file is stale (or gone). */
function liveHolder(path: string): { pid: number | undefined; message: string } | undefined {
  let text: string;
  let ino: number;
  try {
    text = readFileSync(path, 'utf8');
    ino = statSync(path).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile: retry
    throw err;
  }
  const dir = resolve(path, '..');
  const flockPid = flockHolder(path, ino);
  if (flockPid !== undefined) {
    return { pid: flockPid, message: `directory ${dir} locked by process ${flockPid} (an flock on ${path}, as Prometheus holds)` };
  }
  const pid = /^\s*(\d+)\s*$/.exec(text) ? Number(text.trim()) : undefined;
  if (pid === undefined || pid === 0 || pid === process.pid || !processRuns(pid)) return undefined;
  return {
    pid,
    message: `directory ${dir} locked by process ${pid} (lock file ${path}; if no promwasm runs on this directory, remove the file)`,
  };
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The pid holding an flock on the file (Linux /proc/locks), if any. */
function flockHolder(path: string, ino: number): number | undefined {
  let locks: string;
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined; // not Linux
  }
  const dev = statSync(path).dev;
  // Linux's dev_t: major in bits 8-19 and 32+, minor in bits 0-7 and 20+; /proc/locks prints them in hex.
  const major = Math.floor(dev / 256) % 4096;
  const minor = (dev % 256) + (Math.floor(dev / 1048576) % 4096) * 256;
  for (const line of locks.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'FLOCK') continue;
    const id = f[5]?.split(':');
    if (id?.length !== 3 || Number(id[2]) !== ino) continue;
    if (parseInt(id[0]!, 16) === major && parseInt(id[1]!, 16) === minor) return Number(f[4]);
  }
  return undefined;
}

/**
 * Removes a stale lock file: renamed aside (atomic), then checked to be the file judged stale; if a
 * new owner's file was moved instead, it is put back.
 */
function removeStale(path: string): void {
  const aside = `${path}.stale-${process.pid}`;
  let judged: number;
  try {
    judged = statSync(path).ino;
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readFileSync(aside, 'utf8');
  const movedIno = statSync(aside).ino;
  if (movedIno !== judged && liveHolderText(moved)) {
    try {
      linkSync(aside, path); // give the new owner its file back (unless yet another one exists)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

function liveHolderText(text: string): boolean {
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid);
}
