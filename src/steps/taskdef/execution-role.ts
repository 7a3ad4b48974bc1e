/**
 * The task execution role `<stack>-task-execution`, which ECS assumes to put the container
 * definition's secrets into the container's environment. Trusted by ecs-tasks.amazonaws.com, with
 * AmazonECSTaskExecutionRolePolicy and one inline policy naming exactly the secrets' ARNs (never
 * `*`). Made only when the stack has secrets; tagged, recorded, and deleted by `down`.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import type { Secret } from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { IAM_NOT_FOUND, iamCall, iamDelete } from '../../aws/iam-calls.js';
import { assertOwned, keyValueTags } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';
import { findRole } from '../instances/iam.js';
import type { Outcome } from '../outcome.js';
import {
  accountFromState,
  partitionOf,
  secretArn,
  secretsPolicyDocument,
  type SecretFlag,
  type Where,
} from './secrets.js';

export const executionRoleName = (stack: string): string => `${stack}-task-execution`;
export const SECRETS_POLICY_NAME = 'ecsctl-secrets';
export const executionPolicyArn = (partition: string): string =>
  `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`;
export const ECS_TASKS_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface ExecutionRoleResult {
  readonly outcome: Outcome | 'updated';
  /** Undefined when the stack has no secrets (no execution role is used then). */
  readonly roleArn?: string;
  /** The container definition's `secrets`: each name with the ARN ECS reads it from. */
  readonly secrets: Secret[];
}

/**
 * With secrets: makes sure the role exists (recorded the moment CreateRole returns), has the
 * managed policy attached, and its inline policy names exactly these secrets' ARNs. Without
 * secrets: uses no role, and takes back a recorded role's inline policy (least privilege).
 * Converged: reads only (GetRole, ListAttachedRolePolicies, GetRolePolicy).
 */
export async function ensureExecutionRole(ctx: StepContext, refs: readonly SecretFlag[]): Promise<ExecutionRoleResult> {
  const stack = stackOf(ctx);
  const state = ctx.state.current;
  const name = executionRoleName(stack);
  const partition = partitionOf(state.region);
  if (refs.length === 0) {
    if (!state.executionRole) return { outcome: 'absent', secrets: [] };
    const role = await findRole(ctx.aws.iam, state.executionRole.roleName);
    if (!role) return { outcome: 'absent', secrets: [] };
    assertOwned('IAM role', name, role.Tags, stack);
    const removed = await deleteInlinePolicy(ctx, role.RoleName!);
    return { outcome: removed ? 'updated' : 'unchanged', secrets: [] };
  }
  const iam = ctx.aws.iam;

  let changed = false;
  let role = await findRole(iam, name);
  if (role) assertOwned('IAM role', name, role.Tags, stack);
  else {
    role = await createRole(ctx, name);
    changed = true;
  }
  if (state.executionRole?.arn !== role.Arn)
    await ctx.state.record({ executionRole: { roleName: name, arn: role.Arn! } });

  // The account of names expanded to ARNs: from an ARN the state holds, else the role's own.
  const account = accountFromState(ctx.state.current) ?? /^arn:[^:]+:iam::(\d{12}):/.exec(role.Arn!)?.[1];
  if (!account) throw new OperationError(`cannot tell the AWS account from role ARN ${role.Arn}`);
  const secrets = secretEntries(refs, { region: state.region, account, partition });

  const managed = executionPolicyArn(partition);
  if (!(await attachedPolicies(ctx, name)).includes(managed)) {
    await iamCall(`attach AmazonECSTaskExecutionRolePolicy to ${name}`, () =>
      iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: managed })),
    );
    changed = true;
  }
  const wanted = secretsPolicyDocument(secrets.map((s) => s.valueFrom))!;
  const live = await inlinePolicy(ctx, name);
  if (!live || canonicalJson(live) !== canonicalJson(wanted)) {
    await iamCall(`put the secrets policy on ${name}`, () =>
      iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: SECRETS_POLICY_NAME, PolicyDocument: wanted })),
    );
    changed = true;
  }
  const outcome = !changed ? 'unchanged' : state.executionRole ? 'updated' : 'created';
  return { outcome, roleArn: role.Arn, secrets };
}

/** The container definition's `secrets` for these flags: each name with the ARN ECS reads it from. */
export function secretEntries(refs: readonly SecretFlag[], where: Where): (Secret & { valueFrom: string })[] {
  return refs.map(([name, ref]) => ({ name, valueFrom: secretArn(ref, where) }));
}

/** Deletes the inline policies, detaches the managed ones and deletes the role; gone counts as done. */
export async function deleteExecutionRole(ctx: StepContext): Promise<Outcome> {
  const recorded = ctx.state.current.executionRole;
  const name = recorded?.roleName ?? executionRoleName(stackOf(ctx));
  const iam = ctx.aws.iam;
  const role = await findRole(iam, name);
  if (!role) {
    if (recorded) await ctx.state.record({ executionRole: undefined });
    return 'absent';
  }
  assertOwned('IAM role', name, role.Tags, stackOf(ctx));
  const inline = await iamCall(`list inline policies of ${name}`, () =>
    iam.send(new ListRolePoliciesCommand({ RoleName: name })),
  );
  for (const policy of inline.PolicyNames ?? [])
    await iamDelete(`delete policy ${policy} of ${name}`, () =>
      iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy })),
    );
  for (const arn of await attachedPolicies(ctx, name))
    await iamDelete(`detach ${arn} from ${name}`, () =>
      iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: arn })),
    );
  await iamDelete(`delete IAM role ${name}`, () => iam.send(new DeleteRoleCommand({ RoleName: name })));
  await ctx.state.record({ executionRole: undefined });
  return 'deleted';
}

/** The role's secrets policy document (IAM returns it URL-encoded), or undefined. */
export async function inlinePolicy(ctx: StepContext, roleName: string): Promise<string | undefined> {
  try {
    const out = await ctx.aws.iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: SECRETS_POLICY_NAME }),
    );
    return out.PolicyDocument ? decodeURIComponent(out.PolicyDocument) : undefined;
  } catch (e) {
    if (isAwsError(e, ...IAM_NOT_FOUND)) return undefined;
    throw asOperationError(`read the secrets policy of ${roleName}`, e);
  }
}

async function createRole(ctx: StepContext, name: string): Promise<Role> {
  const stack = stackOf(ctx);
  try {
    const out = await ctx.aws.iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: ECS_TASKS_TRUST_POLICY,
        Tags: keyValueTags(stack),
        Description: `ecsctl ${stack}: lets ECS read the containers' secrets`,
      }),
    );
    if (out.Role) return out.Role;
  } catch (e) {
    if (!isAwsError(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException'))
      throw asOperationError(`create IAM role ${name}`, e);
  }
  // Created meanwhile by another run: take it only if it is ours.
  const found = await findRole(ctx.aws.iam, name);
  if (!found) throw new OperationError(`create IAM role ${name}: it neither exists nor could be created`);
  assertOwned('IAM role', name, found.Tags, stack);
  return found;
}

async function deleteInlinePolicy(ctx: StepContext, roleName: string): Promise<boolean> {
  if ((await inlinePolicy(ctx, roleName)) === undefined) return false;
  await iamDelete(`delete the secrets policy of ${roleName}`, () =>
    ctx.aws.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: SECRETS_POLICY_NAME })),
  );
  return true;
}

async function attachedPolicies(ctx: StepContext, role: string): Promise<string[]> {
  const arns: string[] = [];
  let Marker: string | undefined;
  do {
    const out = await iamCall(`list policies of ${role}`, () =>
      ctx.aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role, Marker })),
    );
    arns.push(...(out.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
    Marker = out.IsTruncated ? out.Marker : undefined;
  } while (Marker);
  return arns;
}

/** JSON with keys sorted and single-item arrays kept as arrays, so IAM's re-encoding compares equal. */
function canonicalJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}
