/**
 * S3 for the state's unit tests: the real S3Client with `send` stubbed by aws-sdk-client-mock,
 * errors shaped as the SDK throws them (name + HTTP status), and bodies with the SDK's
 * `transformToString`.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Location } from '../../../src/state/location.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const s3Mock = mockClient(S3Client);
export const client = () => new S3Client({ region: 'us-east-1' });
export const WHERE: S3Location = { bucket: 'team-state', key: 'web.json', url: 's3://team-state/web.json' };

/** An error as the SDK raises it for an S3 answer with this code and status. */
export function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (${status})`), { name, $metadata: { httpStatusCode: status } });
}

/** A GetObject Body as the SDK gives it. */
export function body(text: string): never {
  return { transformToString: async () => text } as never;
}

/** The Body a PutObject was sent with, as text. */
export function sentBody(input: { Body?: unknown }): string {
  return String(input.Body);
}
