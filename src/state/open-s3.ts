/** Opens an s3:// state: finds the bucket's region, then the backend. Loaded only for s3:// states. */
import type { Globals } from '../globals.js';
import { parseS3Url, type S3Location } from './location.js';
import { s3Backend, type S3Backend } from './s3-backend.js';
import { bucketClient } from './s3-client.js';

export interface OpenS3Options {
  readonly warn: (message: string) => void;
  readonly log?: (line: string) => void;
  readonly userAgent: string;
}

export async function openS3Backend(
  globals: Globals,
  options: OpenS3Options,
  where: S3Location = parseS3Url(globals.statePath, '--state'),
): Promise<S3Backend> {
  const client = await bucketClient(
    {
      region: globals.explicitRegion,
      profile: globals.profile,
      endpoint: globals.endpoint,
      verbose: globals.verbose,
      log: options.log,
      userAgent: options.userAgent,
    },
    where,
  );
  return s3Backend(client, where, { kmsKey: globals.stateKmsKey, warn: options.warn });
}
