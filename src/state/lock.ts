/**
 * An exclusive lock beside the state file: `<state>.lock`, created with O_EXCL and holding the
 * owner's PID. A second command on the same state exits 3 naming the holder; a lock whose PID is
 * dead (the holder was SIGKILLed) is taken over at once.
 *
 * Why not proper-lockfile: its staleness is mtime-based, so after a SIGKILL a rerun would wait
 * out the stale period, and it cannot say who holds the lock. A PID check answers both at once.
 */
import { hostname } from 'node:os';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { StateError } from '../errors.js';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquireLock(statePath: string, command: string): Promise<Lock> {
  const path = `${statePath}.lock`;
  const mine: LockInfo = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const body = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(body);
      } finally {
        await fh.close();
      }
      return { path, release: () => releaseIfMine(path, body) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw lockIoError(path, e);
    }
    const held = await readLock(path);
    if (held && isAlive(held)) {
      throw new StateError(
        `state file ${statePath} is locked by pid ${held.pid} (${held.command}, since ${held.since})`,
        { hint: 'Wait for that command to finish; a lock whose process has died is taken over automatically.' },
      );
    }
    await takeOver(path, held);
  }
  throw new StateError(`could not take the lock ${path}: another ecsctl keeps taking it`);
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    return typeof parsed.pid === 'number' ? (parsed as LockInfo) : undefined;
  } catch {
    return undefined; // Half-written or vanished: treat as stale; the O_EXCL create decides who wins.
  }
}

function isAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // Cannot see another machine's processes: assume alive.
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a stale lock aside. If, between our read and the move, another process replaced it with a
 * live lock, that lock is linked back into place (link fails rather than clobbers) and we retry.
 */
async function takeOver(path: string, stale: LockInfo | undefined): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw lockIoError(path, e);
  }
  const moved = await readLock(aside);
  if (moved && stale && moved.pid !== stale.pid && isAlive(moved)) {
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseIfMine(path: string, body: string): Promise<void> {
  try {
    if ((await readFile(path, 'utf8')) === body) await unlink(path);
  } catch {
    // Already gone: nothing to release.
  }
}

function lockIoError(path: string, e: unknown): StateError {
  return new StateError(`cannot create the lock file ${path}: ${(e as Error).message}`, { cause: e });
}
