/**
 * IAM calls as the two role modules make them (the instance role and profile, the task execution
 * role): each failure reads "{what}: {why IAM said no}", and a deletion step whose entity is
 * already gone counts as done, so a rerun of a half-finished teardown converges.
 */
import { asOperationError, isAwsError } from './errors.js';

/** IAM's "no such entity": the SDK's exception name and the wire's code. */
export const IAM_NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];

export async function iamCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asOperationError(what, e);
  }
}

export async function iamDelete(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isAwsError(e, ...IAM_NOT_FOUND)) throw asOperationError(what, e);
  }
}
