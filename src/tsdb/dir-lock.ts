// The data directory's lock file, `<dir>/lock`, after Prometheus's tsdbutil.DirLocker: taken when a
// directory is opened for writing, held open for the DB's life, removed on close.
//
// Prometheus holds an flock(2) on the file; Node has no flock, so promwasm's lock is the file itself:
//   - it appears complete, with the owner's pid in it: written under a private name first, then
//     hard-linked to `lock` (link(2) fails when `lock` exists, so exactly one creator wins); the
//     descriptor stays open until release;
//   - an existing file names a live holder when its pid is a running process other than this one
//     (kill(pid, 0)), when this process already holds it, or (Linux) when /proc/locks shows an
//     flock on it, as a running Prometheus holds;
//   - otherwise it is stale (its owner died, or it is an empty file a crashed Prometheus left) and
//     is replaced, as Prometheus replaces a lockfile from a previous execution. The stale file is
//     renamed aside and checked to be the very file (inode) judged stale; a live owner's file moved
//     by mistake is linked back at once (a third process creating the lock in that instant would
//     hold the directory together with its owner: the one race left).
// A locked directory is refused before anything in it is touched. A dead owner whose pid a new,
// unrelated process now has keeps the directory locked until the file is removed by hand; the
// error says so. Prometheus's flock, in turn, does not see promwasm's lock.

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
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

/** A pid takes at most 20 characters; a longer lock file is not one of ours and is judged by its start. */
const LOCK_READ_BYTES = 32;

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
    // A live holder is refused before this process writes anything in the directory.
    const first = judge(path);
    if (first.live) throw new DirLockedError(dir, first.pid, first.message);
    // The candidate: this process's pid under a private name, linked into place below.
    const candidate = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.candidate`;
    const fd = openSync(candidate, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid}\n`);
      let replaced = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (linkExclusive(candidate, path)) {
          held.add(path);
          removeLeftovers(resolve(dir));
          return new DirLock(path, fd, fstatSync(fd).ino, replaced);
        }
        const holder = judge(path);
        if (holder.live) throw new DirLockedError(dir, holder.pid, holder.message);
        if (holder.ino !== undefined) removeStale(path, holder.ino);
        replaced = true;
      }
      throw new DirLockedError(dir, undefined, `directory ${dir}: lock file ${path} keeps being replaced by another process`);
    } catch (err) {
      closeSync(fd);
      throw err;
    } finally {
      unlinkSync(candidate);
    }
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

function linkExclusive(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

type Judgement =
  | { readonly live: true; readonly pid: number | undefined; readonly message: string }
  /** Stale (`ino` is the file judged), or gone meanwhile (no `ino`). */
  | { readonly live: false; readonly ino: number | undefined };

/** Whether an existing lock file has a live holder. */
function judge(path: string): Judgement {
  const file = readLockFile(path);
  if (file === undefined) return { live: false, ino: undefined }; // released meanwhile: retry
  const { text, ino, dev } = file;
  const dir = resolve(path, '..');
  const flockPid = flockHolder(dev, ino);
  if (flockPid !== undefined) {
    return { live: true, pid: flockPid, message: `directory ${dir} locked by process ${flockPid} (an flock on ${path}, as Prometheus holds)` };
  }
  if (!liveHolderText(text)) return { live: false, ino };
  const pid = Number(text.trim());
  return {
    live: true,
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
function flockHolder(dev: number, ino: number): number | undefined {
  let locks: string;
  try {
    locks = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined; // not Linux
  }
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
 * Removes the stale lock file `judged` (its inode): renamed aside (atomic), then checked to be that
 * very file; if a new owner's file was moved instead, it is put back.
 */
function removeStale(path: string, judged: number): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readLockFile(aside);
  if (moved !== undefined && moved.ino !== judged) {
    try {
      linkSync(aside, path); // give the new owner its file back (unless yet another one exists)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  unlinkSync(aside);
}

/** Candidate and set-aside files of processes killed between creating and removing them. */
const LEFTOVER = /^lock\.(\d{1,10})\.[0-9a-f]{8}\.(candidate|stale)$/;

function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = LEFTOVER.exec(name);
    if (m === null || Number(m[1]) === process.pid || processRuns(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** The start of a lock file and its inode; undefined when it is gone. Anything but a regular file is refused. */
function readLockFile(path: string): { text: string; ino: number; dev: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO planted there cannot block us
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`lock DB directory: ${path} is not a regular file`);
    const buf = Buffer.alloc(LOCK_READ_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.toString('latin1', 0, n), ino: stat.ino, dev: stat.dev };
  } finally {
    closeSync(fd);
  }
}

/** Whether the text names a running process other than this one (this pid is a previous life of a reused pid). */
function liveHolderText(text: string): boolean {
  const pid = /^\s*(\d{1,10})\s*$/.exec(text) ? Number(text.trim()) : 0;
  return pid > 0 && pid !== process.pid && processRuns(pid);
}
