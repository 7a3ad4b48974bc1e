/**
 * The container instances' IAM identity (walkthrough: a role made in the console). Role
 * `<stack>-ecs-instance`, trusted by EC2, with the AWS-managed policy the ECS agent needs, and an
 * instance profile of the same name holding it. Both carry the stack tag. Tags are read from
 * GetRole/GetInstanceProfile (moto does not implement ListInstanceProfileTags).
 */
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  paginateListAttachedRolePolicies,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
  type InstanceProfile,
  type Role,
} from '@aws-sdk/client-iam';
import { managedPolicyArn } from '../../aws/arn.js';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { IAM_NOT_FOUND, iamCall, iamDelete } from '../../aws/iam-calls.js';
import { assertOwned, keyValueTags } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';

/** The managed policy the ECS agent needs, in the region's partition (arn:aws-cn:… in China). */
export const ecsInstancePolicyArn = (region: string) =>
  managedPolicyArn(region, 'service-role/AmazonEC2ContainerServiceforEC2Role');
export const EC2_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export type InstanceRoleRecord = NonNullable<State['instanceRole']>;

export interface InstanceRoleResult {
  readonly outcome: Outcome;
  readonly role: InstanceRoleRecord;
}

export const instanceRoleName = (stack: string) => `${stack}-ecs-instance`;

/**
 * Makes sure the role (with the policy attached) and the profile (holding the role) exist, creating
 * only what is missing and recording each ARN as soon as it exists. Refuses same-named untagged ones.
 */
export async function ensureInstanceRole(ctx: StepContext): Promise<InstanceRoleResult> {
  const stack = stackOf(ctx);
  const name = instanceRoleName(stack);
  const iam = ctx.aws.iam;
  const recorded = ctx.state.current.instanceRole;
  let changed = false;

  let role = await findRole(iam, name);
  if (role) {
    assertOwned('IAM role', name, role.Tags, stack);
  } else {
    role = await createOrAdopt<Role>(
      'IAM role',
      name,
      stack,
      () =>
        iam
          .send(
            new CreateRoleCommand({
              RoleName: name,
              AssumeRolePolicyDocument: EC2_TRUST_POLICY,
              Tags: keyValueTags(stack),
              Description: `ecsctl ${stack}: ECS container instances`,
            }),
          )
          .then((o) => o.Role),
      () => findRole(iam, name),
    );
    changed = true;
  }
  let record: InstanceRoleRecord = {
    roleName: name,
    profileName: name,
    roleArn: role.Arn,
    profileArn: recorded?.profileArn,
  };
  if (recorded?.roleArn !== role.Arn) await ctx.state.record({ instanceRole: record });

  const policyArn = ecsInstancePolicyArn(ctx.state.current.region);
  if (!(await attachedPolicies(iam, name)).includes(policyArn)) {
    await iamCall(`attach ${policyArn} to ${name}`, () =>
      iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn })),
    );
    changed = true;
  }

  let profile = await findInstanceProfile(iam, name);
  if (profile) {
    assertOwned('IAM instance profile', name, profile.Tags, stack);
  } else {
    profile = await createOrAdopt<InstanceProfile>(
      'IAM instance profile',
      name,
      stack,
      () =>
        iam
          .send(
            new CreateInstanceProfileCommand({
              InstanceProfileName: name,
              Tags: keyValueTags(stack),
            }),
          )
          .then((o) => o.InstanceProfile),
      () => findInstanceProfile(iam, name),
    );
    changed = true;
  }
  if (record.profileArn !== profile.Arn) {
    record = { ...record, profileArn: profile.Arn };
    await ctx.state.record({ instanceRole: record });
  }
  const held = (profile.Roles ?? []).map((r) => r.RoleName);
  if (!held.includes(name)) {
    // A profile holds at most one role; another one there is someone's change we do not undo.
    if (held.length > 0)
      throw new OperationError(`IAM instance profile ${name} holds role ${held.join(', ')}, not ${name}`, {
        hint: 'Remove that role from the profile, then run the command again.',
      });
    await iamCall(`add role ${name} to instance profile ${name}`, () =>
      iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name })),
    );
    changed = true;
  }
  // A new profile is not usable by RunInstances for a few seconds on real AWS; the launch retries.
  return { outcome: changed ? (recorded ? 'recreated' : 'created') : 'unchanged', role: record };
}

/**
 * Removes the role from the profile, deletes the profile, detaches the managed policies and deletes
 * the role. Already gone counts as done; an untagged same-named role or profile is refused.
 */
export async function deleteInstanceRole(ctx: StepContext): Promise<'deleted' | 'absent'> {
  const recorded = ctx.state.current.instanceRole;
  if (!recorded) return 'absent';
  const stack = stackOf(ctx);
  const iam = ctx.aws.iam;
  let deleted = false;

  const profile = await findInstanceProfile(iam, recorded.profileName);
  if (profile) {
    assertOwned('IAM instance profile', recorded.profileName, profile.Tags, stack);
    for (const r of profile.Roles ?? []) {
      await iamDelete(`remove role ${r.RoleName} from instance profile ${recorded.profileName}`, () =>
        iam.send(
          new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: recorded.profileName, RoleName: r.RoleName }),
        ),
      );
    }
    await iamDelete(`delete instance profile ${recorded.profileName}`, () =>
      iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: recorded.profileName })),
    );
    deleted = true;
  }
  await ctx.state.record({ instanceRole: { ...recorded, profileArn: undefined } });

  const role = await findRole(iam, recorded.roleName);
  if (role) {
    assertOwned('IAM role', recorded.roleName, role.Tags, stack);
    for (const arn of await attachedPolicies(iam, recorded.roleName)) {
      await iamDelete(`detach ${arn} from ${recorded.roleName}`, () =>
        iam.send(new DetachRolePolicyCommand({ RoleName: recorded.roleName, PolicyArn: arn })),
      );
    }
    await iamDelete(`delete IAM role ${recorded.roleName}`, () =>
      iam.send(new DeleteRoleCommand({ RoleName: recorded.roleName })),
    );
    deleted = true;
  }
  await ctx.state.record({ instanceRole: undefined });
  return deleted ? 'deleted' : 'absent';
}

/** The role with its tags, or undefined. */
export async function findRole(iam: IAMClient, name: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (e) {
    if (isAwsError(e, ...IAM_NOT_FOUND)) return undefined;
    throw asOperationError(`read IAM role ${name}`, e);
  }
}

/** The instance profile with its roles and tags, or undefined. */
export async function findInstanceProfile(iam: IAMClient, name: string): Promise<InstanceProfile | undefined> {
  try {
    return (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (e) {
    if (isAwsError(e, ...IAM_NOT_FOUND)) return undefined;
    throw asOperationError(`read IAM instance profile ${name}`, e);
  }
}

async function attachedPolicies(iam: IAMClient, role: string): Promise<string[]> {
  return iamCall(`list policies of ${role}`, async () => {
    const arns: string[] = [];
    for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: role }))
      arns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
    return arns;
  });
}

/** Create; if another run created it meanwhile (EntityAlreadyExists), take it only if it is ours. */
async function createOrAdopt<T extends { Tags?: { Key?: string; Value?: string }[] }>(
  kind: string,
  name: string,
  stack: string,
  create: () => Promise<T | undefined>,
  find: () => Promise<T | undefined>,
): Promise<T> {
  try {
    const made = await create();
    if (made) return made;
  } catch (e) {
    if (!isAwsError(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException'))
      throw asOperationError(`create ${kind} ${name}`, e);
  }
  const found = await find();
  if (!found) throw new OperationError(`create ${kind} ${name}: it neither exists nor could be created`);
  assertOwned(kind, name, found.Tags, stack);
  return found;
}
