/**
 * A state kept as one JSON object in S3, shared by a team or a CI job. Every write is conditional:
 * `If-Match` with the ETag last read or written (`If-None-Match: *` for the first), so a write
 * after someone else's fails with 412 and exits 3 instead of overwriting their change. Every write
 * is server-side encrypted (SSE-S3, or SSE-KMS with --state-kms-key).
 */
import { GetBucketVersioningCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isAwsError } from '../aws/errors.js';
import { StateError } from '../errors.js';
import type { StateBackend } from './backend.js';
import type { S3Location } from './location.js';
import { acquireS3Lock, s3Failure, type S3Writes } from './s3-lock.js';
import { applyPatch, type State } from './schema.js';
import { parseState, type StateHandle } from './store.js';

export interface S3BackendOptions {
  readonly kmsKey?: string;
  /** Told once per command when the bucket keeps no history. */
  readonly warn: (message: string) => void;
}

export interface S3Backend extends StateBackend {
  readonly where: S3Location;
  readonly client: S3Client;
  /** The ETag of the object as last read or written; `undefined` while there is none. */
  etag(): string | undefined;
  /** One conditional, encrypted write of the whole state. */
  write(state: State): Promise<void>;
}

export function s3Backend(s3: S3Client, where: S3Location, options: S3BackendOptions): S3Backend {
  const writes: S3Writes = {
    encryption: options.kmsKey
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKey }
      : { ServerSideEncryption: 'AES256' },
  };
  let etag: string | undefined;
  /** The object's content as last read or written: a record that changes nothing is not sent. */
  let stored: string | undefined;
  let versioningChecked = false;

  /** One conditional PutObject; resolves with the new ETag. */
  const put = async (body: string): Promise<string | undefined> => {
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: where.key,
        Body: body,
        ContentType: 'application/json',
        ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        ...writes.encryption,
      }),
    );
    return out.ETag;
  };

  /** The object as it is now (text and ETag), or undefined when there is none. */
  const current = async (): Promise<{ text: string; etag: string | undefined } | undefined> => {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
      return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag };
    } catch (e) {
      if (isAwsError(e, 'NoSuchKey', 'NotFound')) return undefined;
      throw s3Failure('read the state', where, e);
    }
  };

  const write = async (state: State): Promise<void> => {
    const body = `${JSON.stringify(state, null, 2)}\n`;
    if (etag !== undefined && body === stored) return; // A converged rerun writes nothing.
    // Two tries at most: the second only after a 409 that changed nothing (see below).
    for (let attempt = 0; ; attempt++) {
      try {
        etag = await put(body);
        stored = body;
        return;
      } catch (e) {
        // NoSuchKey: If-Match on an object someone deleted meanwhile.
        if (!isAwsError(e, 'PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey'))
          throw s3Failure('write the state', where, e);
        // 412 may also be our own write whose answer was lost: the SDK retried it with the same
        // If-Match, which the first attempt had already made stale. Only the content can tell.
        const now = await current();
        if (now !== undefined && now.text === body) {
          etag = now.etag;
          stored = body;
          return;
        }
        // 409 ConditionalRequestConflict: another conditional write on the key was in flight;
        // S3 says retry. If the object is still the one we last saw, nobody else won: try once more.
        const untouched = (now === undefined && etag === undefined) || (now !== undefined && now.etag === etag);
        if (attempt === 0 && untouched && isAwsError(e, 'ConditionalRequestConflict')) continue;
        throw new StateError(
          `someone else changed the state ${where.url} since ecsctl read it; it was not overwritten`,
          {
            hint: 'Run `ecsctl status` to see the stack as it is now, then run the command again.',
            cause: e,
          },
        );
      }
    }
  };

  return {
    location: where.url,
    where,
    client: s3,
    etag: () => etag,
    write,
    async lock(command) {
      const lock = await acquireS3Lock(s3, where, command, writes);
      if (!versioningChecked) {
        versioningChecked = true;
        await warnIfUnversioned(s3, where, options.warn);
      }
      return lock;
    },
    async read() {
      const now = await current();
      etag = now?.etag;
      stored = now?.text;
      return now === undefined ? undefined : parseState(now.text, where.url);
    },
    handle(initial) {
      let current = initial;
      let queue: Promise<unknown> = Promise.resolve();
      const handle: StateHandle = {
        get current() {
          return current;
        },
        record(patch) {
          current = applyPatch(current, patch);
          const snapshot = current;
          // One write at a time: each carries the ETag the previous one returned.
          const done = queue.then(() => write(snapshot));
          queue = done.catch(() => undefined);
          return done.then(() => snapshot);
        },
      };
      return handle;
    },
  };
}

async function warnIfUnversioned(s3: S3Client, where: S3Location, warn: (m: string) => void): Promise<void> {
  try {
    const out = await s3.send(new GetBucketVersioningCommand({ Bucket: where.bucket }));
    if (out.Status !== 'Enabled') {
      warn(
        `bucket ${where.bucket} has versioning off: a bad write to ${where.url} cannot be undone (aws s3api put-bucket-versioning --bucket ${where.bucket} --versioning-configuration Status=Enabled)`,
      );
    }
  } catch {
    // Not allowed to ask (s3:GetBucketVersioning): the state still works; say nothing.
  }
}
