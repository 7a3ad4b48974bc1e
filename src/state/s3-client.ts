/**
 * The S3 client for a shared state. Unlike the stack's clients its region is not the stack's: it
 * is the bucket's, found with HeadBucket (which answers from any region with `x-amz-bucket-region`).
 * With --endpoint-url (moto, LocalStack) addressing is path-style: such endpoints have no
 * per-bucket DNS names.
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { callLogger } from '../aws/call-log.js';
import { errorName } from '../aws/errors.js';
import { ecsctlRetryStrategy } from '../aws/retry.js';
import { StateError } from '../errors.js';
import type { S3Location } from './location.js';

export interface S3ClientSettings {
  /** Where to ask first; the bucket's own region is used after that. */
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly verbose?: boolean;
  readonly log?: (line: string) => void;
  readonly userAgent: string;
}

export async function bucketClient(settings: S3ClientSettings, where: S3Location): Promise<S3Client> {
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
  const make = (region: string) => {
    const client = new S3Client({
      region,
      ...(settings.profile ? { profile: settings.profile } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      followRegionRedirects: true,
      customUserAgent: settings.userAgent,
      retryStrategy: ecsctlRetryStrategy(),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
    if (settings.verbose)
      (client as { middlewareStack: { add: (...args: unknown[]) => void } }).middlewareStack.add(
        callLogger(settings.log ?? ((l: string) => void process.stderr.write(`${l}\n`))),
        { step: 'initialize', name: 'ecsctlCallLogger' },
      );
    return client;
  };
  const first = make(settings.region ?? 'us-east-1');
  let region: string | undefined;
  try {
    region = (await first.send(new HeadBucketCommand({ Bucket: where.bucket }))).BucketRegion;
  } catch (e) {
    throw bucketError(where, e);
  }
  if (!region || region === settings.region || (settings.region === undefined && region === 'us-east-1')) return first;
  first.destroy();
  return make(region);
}

function bucketError(where: S3Location, e: unknown): StateError {
  const name = errorName(e);
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NotFound' || name === 'NoSuchBucket' || status === 404) {
    return new StateError(`state bucket ${where.bucket} does not exist (${where.url})`, {
      hint: 'Create the bucket (with versioning on) or fix the bucket name in --state.',
      cause: e,
    });
  }
  if (name === 'Forbidden' || name === 'AccessDenied' || status === 403) {
    return new StateError(`no permission to use the state bucket ${where.bucket} (${where.url})`, {
      hint: 'The credentials need s3:ListBucket on the bucket and s3:GetObject, s3:PutObject, s3:DeleteObject on the key and its .lock.',
      cause: e,
    });
  }
  return new StateError(`cannot reach the state bucket ${where.bucket}: ${(e as Error).message}`, { cause: e });
}
