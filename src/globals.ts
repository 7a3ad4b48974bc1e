/**
 * Global options, resolved and checked before anything touches AWS or the state file.
 */
import { UsageError } from './errors.js';
import { isS3Url, parseS3Url } from './state/location.js';
import * as v from './util/validate.js';

/** As commander parses them (see program.ts). */
export interface RawGlobals {
  readonly state?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly json?: boolean;
  readonly yes?: boolean;
  readonly verbose?: boolean;
  readonly name?: string;
  readonly stateKmsKey?: string;
}

export interface Globals {
  readonly statePath: string;
  /** From --region, AWS_REGION or AWS_DEFAULT_REGION; the state and the profile come later. */
  readonly explicitRegion?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly json: boolean;
  readonly yes: boolean;
  readonly verbose: boolean;
  readonly name?: string;
  /** KMS key (ID, ARN or alias) for SSE-KMS on an s3:// state; SSE-S3 when omitted. */
  readonly stateKmsKey?: string;
}

export const DEFAULT_STATE = './ecsctl.state.json';

export function resolveGlobals(raw: RawGlobals, env: NodeJS.ProcessEnv = process.env): Globals {
  const statePath = raw.state ?? env.ECSCTL_STATE ?? DEFAULT_STATE;
  if (statePath.trim() === '') throw new UsageError('--state must not be empty');
  // An s3:// state is checked here, before any AWS call: no key, a folder key, a bad bucket name.
  if (isS3Url(statePath)) parseS3Url(statePath, raw.state !== undefined ? '--state' : 'ECSCTL_STATE');
  const stateKmsKey = raw.stateKmsKey ?? (env.ECSCTL_STATE_KMS_KEY || undefined);
  if (stateKmsKey !== undefined && !/^[\w:/.@-]{1,2048}$/.test(stateKmsKey))
    throw new UsageError(`--state-kms-key ${JSON.stringify(stateKmsKey)} is not a KMS key ID, ARN or alias`);
  if (stateKmsKey !== undefined && !isS3Url(statePath))
    throw new UsageError('--state-kms-key applies only to an s3:// --state');
  const regionSource = raw.region !== undefined ? '--region' : env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = raw.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined);
  const endpointSource = raw.endpointUrl !== undefined ? '--endpoint-url' : 'AWS_ENDPOINT_URL';
  const endpoint = raw.endpointUrl ?? (env.AWS_ENDPOINT_URL || undefined);
  if (raw.profile !== undefined && !/^[\w.@+-]+$/.test(raw.profile))
    throw new UsageError(`--profile ${JSON.stringify(raw.profile)} is not a profile name`);
  return {
    statePath,
    explicitRegion: region === undefined ? undefined : v.region(region, regionSource),
    profile: raw.profile ?? (env.AWS_PROFILE || undefined),
    endpoint: endpoint === undefined ? undefined : v.endpointUrl(endpoint, endpointSource),
    json: raw.json === true,
    yes: raw.yes === true,
    verbose: raw.verbose === true,
    name: raw.name === undefined ? undefined : v.stackName(raw.name),
    ...(stateKmsKey !== undefined ? { stateKmsKey } : {}),
  };
}

/** The region configured for the profile in ~/.aws/config, if any (read only when nothing else named one). */
export async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  try {
    const { loadSharedConfigFiles } = await import('@smithy/core/config');
    const files = await loadSharedConfigFiles();
    const name = profile ?? process.env.AWS_PROFILE ?? 'default';
    const region = files.configFile?.[name]?.region ?? files.credentialsFile?.[name]?.region;
    return region ? v.region(region, `the region of profile ${name}`) : undefined;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    return undefined;
  }
}
