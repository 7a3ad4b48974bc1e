/**
 * `--secret KEY=REF`: what REF may be and the ARN it stands for. REF is a Secrets Manager secret
 * ARN, an SSM parameter ARN, or an SSM parameter name, which is expanded to its ARN with the
 * stack's region, account and partition. Checked before any AWS call; ecsctl never reads a
 * secret's value, only names where ECS will read it from.
 */
import { UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';

export type SecretFlag = readonly [name: string, ref: string];

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;
/** SSM parameter names: letters, digits, `.-_/`, at most 2048 characters (15 levels deep). */
const PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** Parses `KEY=REF` from a flag or the config file; the REF's shape is checked here, its account later. */
export function secretFlag(value: string, flag: string): [string, string] {
  const eq = value.indexOf('=');
  const key = eq > 0 ? value.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    throw new UsageError(
      `${flag} must look like KEY=REF (REF: a Secrets Manager or SSM parameter ARN, or a parameter name), got ${JSON.stringify(value)}`,
    );
  const ref = value.slice(eq + 1);
  if (ref === '')
    throw new UsageError(`${flag} ${key}= names no secret: give a Secrets Manager ARN, an SSM parameter ARN or name`);
  if (ref.startsWith('arn:')) {
    const m = ARN.exec(ref);
    const service = m?.[2];
    if (m && service !== 'secretsmanager' && service !== 'ssm')
      throw new UsageError(
        `${flag} ${key}: ${JSON.stringify(ref)} is an ARN of ${service}; ECS reads secrets only from Secrets Manager or SSM Parameter Store`,
      );
    if (!m || !m[4] || !m[3])
      throw new UsageError(
        `${flag} ${key}: ${JSON.stringify(ref)} is not a complete ARN (partition, region and account are needed)`,
      );
    if (service === 'secretsmanager') {
      if (!/^secret:[A-Za-z0-9/_+=.@-]+/.test(m[5]!))
        throw new UsageError(
          `${flag} ${key}: ${JSON.stringify(ref)} is not a Secrets Manager secret ARN (…:secret:NAME-abc123)`,
        );
    } else if (!/^parameter\/./.test(m[5]!)) {
      throw new UsageError(`${flag} ${key}: ${JSON.stringify(ref)} is not an SSM parameter ARN (…:parameter/NAME)`);
    }
  } else if (ref.length > 2048 || !PARAMETER_NAME.test(ref)) {
    throw new UsageError(
      `${flag} ${key}: ${JSON.stringify(ref)} is neither an ARN nor an SSM parameter name (letters, digits, . - _ and / between levels)`,
    );
  }
  return [key, ref];
}

/** The partition a region belongs to (aws, aws-cn, aws-us-gov, …): it goes into every ARN built. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** The account ID from an ARN the state already holds (cluster, service, roles…), if any. */
export function accountFromState(state: State): string | undefined {
  const arns = [
    state.cluster?.arn,
    state.service?.arn,
    state.taskDefinition?.arn,
    state.executionRole?.arn,
    state.instanceRole?.roleArn,
    state.loadBalancer?.arn,
    state.targetGroup?.arn,
    state.repository?.arn,
  ];
  for (const arn of arns) {
    const account = arn ? ARN.exec(arn)?.[4] : undefined;
    if (account) return account;
  }
  return undefined;
}

export interface Where {
  readonly region: string;
  readonly account: string;
  readonly partition: string;
}

/** The ARN ECS reads REF from: ARNs as given (partition checked), parameter names expanded. */
export function secretArn(ref: string, where: Where): string {
  if (ref.startsWith('arn:')) {
    const partition = ARN.exec(ref)?.[1];
    if (partition !== where.partition)
      throw new UsageError(
        `secret ${ref} is in partition ${partition}, but the stack's region ${where.region} is in ${where.partition}`,
      );
    return ref;
  }
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  return `arn:${where.partition}:ssm:${where.region}:${where.account}:parameter/${name}`;
}

/**
 * The resource an IAM policy must name for a secret: a Secrets Manager valueFrom may carry
 * `:json-key:version-stage:version-id` after the secret's own ARN, which IAM does not match.
 */
export function policyResource(arn: string): string {
  const parts = arn.split(':');
  return parts[2] === 'secretsmanager' ? parts.slice(0, 7).join(':') : arn;
}

/**
 * The execution role's inline policy: ssm:GetParameters on exactly the parameters and
 * secretsmanager:GetSecretValue on exactly the secrets; undefined when there are none.
 */
export function secretsPolicyDocument(arns: readonly string[]): string | undefined {
  const resources = [...new Set(arns.map(policyResource))].sort();
  const ssm = resources.filter((a) => a.split(':')[2] === 'ssm');
  const sm = resources.filter((a) => a.split(':')[2] === 'secretsmanager');
  const statements = [
    ...(ssm.length ? [{ Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: ssm }] : []),
    ...(sm.length
      ? [{ Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: sm }]
      : []),
  ];
  return statements.length ? JSON.stringify({ Version: '2012-10-17', Statement: statements }) : undefined;
}
