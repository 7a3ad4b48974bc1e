/**
 * Where a state lives: a local file (the default) or an S3 object named `s3://BUCKET/KEY`.
 * Checked before any AWS call, so a malformed URL exits 2 with nothing written.
 */
import { UsageError } from '../errors.js';

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  /** `s3://bucket/key`, for messages. */
  readonly url: string;
}

export function isS3Url(value: string): boolean {
  return /^s3:\/\//i.test(value);
}

/** Parses `s3://BUCKET/KEY`; `what` names the flag in the error ("--state", "--to"). */
export function parseS3Url(value: string, what: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(value);
  if (!m) throw new UsageError(`${what} ${JSON.stringify(value)} is not an s3://BUCKET/KEY URL`);
  const bucket = m[1] ?? '';
  const key = m[2] ?? '';
  // S3 general purpose bucket naming rules: 3-63 characters, lowercase letters, digits, dots, hyphens.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`${what} ${JSON.stringify(value)} has no valid bucket name`, {
      hint: 'Bucket names are 3-63 characters: lowercase letters, digits, dots and hyphens, e.g. s3://my-team-state/web.json.',
    });
  }
  if (key === '') {
    throw new UsageError(`${what} ${JSON.stringify(value)} names no object key`, {
      hint: `Add the key of the state object, e.g. s3://${bucket}/web.state.json.`,
    });
  }
  if (key.endsWith('/')) {
    throw new UsageError(`${what} ${JSON.stringify(value)} ends in "/": that is a folder, not an object`, {
      hint: `Name the object, e.g. s3://${bucket}/${key}web.state.json.`,
    });
  }
  if (key.endsWith('.lock')) {
    throw new UsageError(`${what} ${JSON.stringify(value)} ends in ".lock", which ecsctl uses for the state's lock`);
  }
  // 1,024 bytes is S3's key limit; the lock adds ".lock".
  if (Buffer.byteLength(key) > 1019) throw new UsageError(`${what}: the object key is longer than 1,019 bytes`);
  return { bucket, key, url: `s3://${bucket}/${key}` };
}
