/**
 * The lock of an S3 state: `KEY.lock`, created with `If-None-Match: *` so exactly one writer wins
 * (S3 answers the others 412 PreconditionFailed), holding who took it. Like the local lock, a lock
 * left on this host by a process that has died is taken over; a lock from another machine stays
 * until `ecsctl state unlock`, since its process cannot be seen from here.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hostname, userInfo } from 'node:os';
import { isAwsError } from '../aws/errors.js';
import { StateError } from '../errors.js';
import type { S3Location } from './location.js';
import type { Lock } from './lock.js';

export interface S3LockInfo {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export interface HeldLock {
  readonly info: S3LockInfo | undefined;
  readonly etag: string | undefined;
}

export interface S3Writes {
  /** SSE parameters every PutObject carries. */
  readonly encryption: { ServerSideEncryption: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string };
}

export function lockKey(where: S3Location): string {
  return `${where.key}.lock`;
}

export async function acquireS3Lock(
  s3: S3Client,
  where: S3Location,
  command: string,
  writes: S3Writes,
  now: () => number = Date.now,
): Promise<Lock> {
  const mine: S3LockInfo = {
    user: currentUser(),
    host: hostname(),
    pid: process.pid,
    command,
    since: new Date(now()).toISOString(),
  };
  const body = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: where.bucket,
          Key: lockKey(where),
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          ...writes.encryption,
        }),
      );
      return { path: `${where.url}.lock`, release: () => releaseIfMine(s3, where, body) };
    } catch (e) {
      // 409 ConditionalRequestConflict: a concurrent conditional write on the same key; look again.
      if (!isAwsError(e, 'PreconditionFailed', 'ConditionalRequestConflict'))
        throw s3Failure('create the lock', where, e);
    }
    const held = await readS3Lock(s3, where);
    if (held.info === undefined && held.etag === undefined) continue; // Released meanwhile: try again.
    // Our own create whose answer was lost (the SDK's retry then met the lock it had made).
    if (held.info && JSON.stringify(held.info) === JSON.stringify(mine)) {
      return { path: `${where.url}.lock`, release: () => releaseIfMine(s3, where, body) };
    }
    if (held.info && held.info.host === hostname() && !pidAlive(held.info.pid)) {
      await deleteLock(s3, where, held.etag);
      continue;
    }
    throw lockedError(where, held.info, now);
  }
  throw new StateError(`could not take the lock ${where.url}.lock: another ecsctl keeps taking it`);
}

export async function readS3Lock(s3: S3Client, where: S3Location): Promise<HeldLock> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: lockKey(where) }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    let info: S3LockInfo | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<S3LockInfo>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') info = parsed as S3LockInfo;
    } catch {
      info = undefined; // Not ours to understand; it still blocks until unlocked.
    }
    return { info, etag: out.ETag ?? '' };
  } catch (e) {
    if (isAwsError(e, 'NoSuchKey', 'NotFound')) return { info: undefined, etag: undefined };
    throw s3Failure('read the lock', where, e);
  }
}

/** Deletes the lock only if it is still the one read (`If-Match`), so a fresh lock is never removed. */
export async function deleteLock(s3: S3Client, where: S3Location, etag: string | undefined): Promise<void> {
  try {
    await s3.send(
      new DeleteObjectCommand({ Bucket: where.bucket, Key: lockKey(where), ...(etag ? { IfMatch: etag } : {}) }),
    );
  } catch (e) {
    if (isAwsError(e, 'PreconditionFailed', 'NoSuchKey', 'NotFound')) return; // Replaced or gone: look again.
    throw s3Failure('remove the lock', where, e);
  }
}

export function describeHolder(info: S3LockInfo | undefined, now: () => number = Date.now): string {
  if (!info) return 'an unreadable lock';
  const user = info.user ? `${info.user}@` : '';
  return `${user}${info.host} pid ${info.pid} (${info.command}, ${age(info.since, now)})`;
}

function lockedError(where: S3Location, info: S3LockInfo | undefined, now: () => number): StateError {
  return new StateError(`state ${where.url} is locked by ${describeHolder(info, now)}`, {
    hint: 'Wait for that command to finish; if its process is gone, run `ecsctl state unlock` after checking with its owner.',
  });
}

function age(since: string, now: () => number): string {
  const ms = now() - Date.parse(since);
  if (!Number.isFinite(ms)) return `since ${since}`;
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

async function releaseIfMine(s3: S3Client, where: S3Location, body: string): Promise<void> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: lockKey(where) }));
    if ((await out.Body?.transformToString('utf8')) === body) await deleteLock(s3, where, out.ETag);
  } catch {
    // Already gone (or unreachable): nothing more can be done here; `state unlock` can.
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

export function s3Failure(action: string, where: S3Location, e: unknown): StateError {
  if (isAwsError(e, 'AccessDenied', 'Forbidden', 'KMS.AccessDeniedException')) {
    return new StateError(`no permission to ${action} of ${where.url}`, {
      hint: 'The credentials need s3:GetObject, s3:PutObject and s3:DeleteObject on the key and its .lock (and the KMS key, if any).',
      cause: e,
    });
  }
  return new StateError(`cannot ${action} of ${where.url}: ${(e as Error).message}`, { cause: e });
}
