/**
 * Turning what a user or the state names ("web:3", an ARN, "latest") into one concrete revision,
 * and the short "family:revision" form messages use.
 */
import { DescribeTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { OperationError } from '../../errors.js';
import { parseTaskDefinitionArn } from './taskdef.js';

export interface ResolvedTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly containerName?: string;
  readonly containerPort?: number;
}

/**
 * Turns "family:rev", a task definition ARN, or "latest" (the latest ACTIVE revision of
 * `family`) into the revision's ARN and its first container with a port mapping.
 */
export async function resolveTaskDefinition(
  ecs: ECSClient,
  ref: string,
  family: string,
): Promise<ResolvedTaskDefinition> {
  const query = ref === 'latest' ? family : ref;
  try {
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: query }))).taskDefinition;
    if (!td || (ref === 'latest' && td.status !== 'ACTIVE')) throw notFound(ref, family);
    const container = td.containerDefinitions?.find((c) => (c.portMappings ?? []).length > 0);
    return {
      arn: td.taskDefinitionArn!,
      family: td.family!,
      revision: td.revision!,
      containerName: container?.name,
      containerPort: container?.portMappings?.[0]?.containerPort,
    };
  } catch (e) {
    if (isAwsError(e, 'ClientException', 'InvalidParameterException')) throw notFound(ref, family);
    throw asOperationError(`describe task definition ${query}`, e);
  }
}

function notFound(ref: string, family: string): OperationError {
  const what =
    ref === 'latest'
      ? `no ACTIVE revision of task definition family ${family}`
      : `task definition ${ref} does not exist`;
  return new OperationError(what, {
    hint: 'List the revisions with `ecsctl taskdef list`, or register one with `ecsctl taskdef register`.',
  });
}

/** "web:3" for an ARN, for messages. */
export function shortTaskDefinition(arn: string | undefined): string {
  if (!arn) return '-';
  const p = parseTaskDefinitionArn(arn);
  return p ? `${p.family}:${p.revision}` : arn;
}
