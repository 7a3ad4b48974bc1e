/**
 * `ecsctl state show | unlock | migrate`: looking at a state, freeing a lock left by a killed
 * process, and moving a local state into S3.
 */
import { StateError, UsageError, InterruptedError } from '../errors.js';
import type { StateBackend } from './backend.js';
import type { S3Backend } from './s3-backend.js';
import { deleteLock, describeHolder, readS3Lock, type S3LockInfo } from './s3-lock.js';
import type { State } from './schema.js';

export async function showState(backend: StateBackend): Promise<State> {
  const state = await backend.read();
  if (!state) {
    throw new UsageError(`no state at ${backend.location}`, {
      hint: 'Run `ecsctl up --name NAME` first, or pass --state.',
    });
  }
  return state;
}

export interface UnlockResult {
  readonly unlocked: boolean;
  readonly location: string;
  readonly holder?: S3LockInfo;
}

/**
 * Removes the lock whoever holds it, after `confirm` saw who that is. Deleted with `If-Match`,
 * so a lock taken by someone else between the question and the answer is left alone.
 */
export async function unlockState(
  backend: S3Backend,
  confirm: (holder: string) => Promise<boolean>,
): Promise<UnlockResult> {
  const held = await readS3Lock(backend.client, backend.where);
  if (held.etag === undefined) return { unlocked: false, location: backend.location };
  if (!(await confirm(describeHolder(held.info)))) throw new InterruptedError('cancelled: the lock was left in place');
  await deleteLock(backend.client, backend.where, held.etag);
  const after = await readS3Lock(backend.client, backend.where);
  if (after.etag !== undefined && after.etag !== held.etag) {
    throw new StateError(
      `${backend.location} was locked again meanwhile by ${describeHolder(after.info)}; left in place`,
    );
  }
  return { unlocked: true, location: backend.location, ...(held.info ? { holder: held.info } : {}) };
}

export interface MigrateResult {
  readonly from: string;
  readonly to: string;
  readonly stack: string;
}

/** Copies the local state to S3 under the S3 lock; an existing object is replaced only with `force`. */
export async function migrateState(local: StateBackend, target: S3Backend, force: boolean): Promise<MigrateResult> {
  const state = await local.read();
  if (!state) throw new UsageError(`no state file at ${local.location} to migrate`);
  const lock = await target.lock('ecsctl state migrate');
  try {
    let existing: State | undefined;
    try {
      existing = await target.read();
    } catch (e) {
      // A corrupt object may be replaced with --force; without it, the error stands.
      if (!force) throw e;
    }
    if ((existing || target.etag() !== undefined) && !force) {
      throw new StateError(
        `${target.location} already exists${existing ? ` (stack ${existing.name})` : ''}; nothing was written`,
        { hint: 'Pass --force to replace it (the bucket keeps the old version if versioning is on).' },
      );
    }
    await target.write(state);
  } finally {
    await lock.release();
  }
  return { from: local.location, to: target.location, stack: state.name };
}
