import { beforeEach, describe, expect, it } from 'vitest';
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
  ListAttachedRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { ForeignResourceError } from '../../../../src/errors.js';
import { deleteInstanceRole, ecsInstancePolicyArn, ensureInstanceRole } from '../../../../src/steps/instances/iam.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const NAME = 'web-ecs-instance';
const TAGS = [{ Key: 'ecsctl:stack', Value: 'web' }];
const ROLE = {
  RoleName: NAME,
  Arn: `arn:aws:iam::123456789012:role/${NAME}`,
  Path: '/',
  RoleId: 'AROA1',
  CreateDate: new Date(0),
  Tags: TAGS,
};
const PROFILE = {
  InstanceProfileName: NAME,
  Arn: `arn:aws:iam::123456789012:instance-profile/${NAME}`,
  Path: '/',
  InstanceProfileId: 'AIPA1',
  CreateDate: new Date(0),
  Tags: TAGS,
};
const notFound = () => awsError('NoSuchEntityException');
/** Names of the IAM commands sent that change something (Get and List only read). */
const mutatingCalls = () =>
  awsMock.iam
    .calls()
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => !/^(Get|List)/.test(n));

beforeEach(() => resetAwsMocks());

describe('ensureInstanceRole', () => {
  it('creates the role trusted by EC2 with the ECS policy, and a tagged profile holding it, recording each ARN at once', async () => {
    const { ctx, state } = testContext();
    awsMock.iam.on(GetRoleCommand).rejects(notFound());
    awsMock.iam.on(CreateRoleCommand).resolves({ Role: ROLE });
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    awsMock.iam.on(GetInstanceProfileCommand).rejects(notFound());
    awsMock.iam.on(CreateInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Roles: [] } });

    const result = await ensureInstanceRole(ctx);

    expect(result).toMatchObject({
      outcome: 'created',
      role: { roleName: NAME, profileName: NAME, roleArn: ROLE.Arn, profileArn: PROFILE.Arn },
    });
    const trust = JSON.parse(awsMock.iam.commandCalls(CreateRoleCommand)[0]!.args[0].input.AssumeRolePolicyDocument!);
    expect(trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(awsMock.iam).toHaveReceivedCommandWith(CreateRoleCommand, { RoleName: NAME, Tags: TAGS });
    expect(awsMock.iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, {
      RoleName: NAME,
      PolicyArn: ecsInstancePolicyArn('us-east-1'),
    });
    expect(awsMock.iam).toHaveReceivedCommandWith(CreateInstanceProfileCommand, {
      InstanceProfileName: NAME,
      Tags: TAGS,
    });
    expect(awsMock.iam).toHaveReceivedCommandWith(AddRoleToInstanceProfileCommand, {
      InstanceProfileName: NAME,
      RoleName: NAME,
    });
    expect(state.saved[0]?.instanceRole).toEqual({ roleName: NAME, profileName: NAME, roleArn: ROLE.Arn });
    expect(state.current.instanceRole?.profileArn).toBe(PROFILE.Arn);
  });

  it('changes nothing when role, policy and profile are in place', async () => {
    const { ctx, state } = testContext({
      instanceRole: { roleName: NAME, profileName: NAME, roleArn: ROLE.Arn, profileArn: PROFILE.Arn },
    });
    awsMock.iam.on(GetRoleCommand).resolves({ Role: ROLE });
    awsMock.iam
      .on(ListAttachedRolePoliciesCommand)
      .resolves({ AttachedPolicies: [{ PolicyArn: ecsInstancePolicyArn('us-east-1') }] });
    awsMock.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Roles: [ROLE] } });
    const result = await ensureInstanceRole(ctx);
    expect(result).toMatchObject({ outcome: 'unchanged' });
    expect(mutatingCalls()).toEqual([]);
    expect(state.saved).toHaveLength(0);
  });

  it('puts back a detached policy and a role removed from the profile', async () => {
    const { ctx } = testContext({
      instanceRole: { roleName: NAME, profileName: NAME, roleArn: ROLE.Arn, profileArn: PROFILE.Arn },
    });
    awsMock.iam.on(GetRoleCommand).resolves({ Role: ROLE });
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    awsMock.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Roles: [] } });
    expect((await ensureInstanceRole(ctx)).outcome).toBe('recreated');
    expect(awsMock.iam).toHaveReceivedCommandTimes(AttachRolePolicyCommand, 1);
    expect(awsMock.iam).toHaveReceivedCommandTimes(AddRoleToInstanceProfileCommand, 1);
  });

  it('refuses a same-named role without the stack tag', async () => {
    const { ctx } = testContext();
    awsMock.iam.on(GetRoleCommand).resolves({ Role: { ...ROLE, Tags: [] } });
    await expect(ensureInstanceRole(ctx)).rejects.toBeInstanceOf(ForeignResourceError);
    expect(mutatingCalls()).toEqual([]);
  });
});

describe('deleteInstanceRole', () => {
  it('removes the role from the profile, deletes the profile, detaches the policy, deletes the role — in that order', async () => {
    const { ctx, state } = testContext({ instanceRole: { roleName: NAME, profileName: NAME } });
    const order: string[] = [];
    awsMock.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Roles: [ROLE] } });
    awsMock.iam.on(GetRoleCommand).resolves({ Role: ROLE });
    awsMock.iam
      .on(ListAttachedRolePoliciesCommand)
      .resolves({ AttachedPolicies: [{ PolicyArn: ecsInstancePolicyArn('us-east-1') }] });
    awsMock.iam.on(RemoveRoleFromInstanceProfileCommand).callsFake(async () => void order.push('remove role'));
    awsMock.iam.on(DeleteInstanceProfileCommand).callsFake(async () => void order.push('delete profile'));
    awsMock.iam.on(DetachRolePolicyCommand).callsFake(async () => void order.push('detach'));
    awsMock.iam.on(DeleteRoleCommand).callsFake(async () => void order.push('delete role'));
    expect(await deleteInstanceRole(ctx)).toBe('deleted');
    expect(order).toEqual(['remove role', 'delete profile', 'detach', 'delete role']);
    expect(state.current.instanceRole).toBeUndefined();
  });

  it('treats a profile and role already gone (or going) as deleted', async () => {
    const { ctx, state } = testContext({ instanceRole: { roleName: NAME, profileName: NAME } });
    awsMock.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Roles: [ROLE] } });
    awsMock.iam.on(RemoveRoleFromInstanceProfileCommand).rejects(notFound());
    awsMock.iam.on(DeleteInstanceProfileCommand).rejects(notFound());
    awsMock.iam.on(GetRoleCommand).rejects(notFound());
    await deleteInstanceRole(ctx);
    expect(awsMock.iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    expect(state.current.instanceRole).toBeUndefined();
  });

  it('leaves an untagged same-named profile alone', async () => {
    const { ctx, state } = testContext({ instanceRole: { roleName: NAME, profileName: NAME } });
    awsMock.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...PROFILE, Tags: [], Roles: [ROLE] } });
    await expect(deleteInstanceRole(ctx)).rejects.toBeInstanceOf(ForeignResourceError);
    expect(awsMock.iam).not.toHaveReceivedCommand(DeleteInstanceProfileCommand);
    expect(awsMock.iam).not.toHaveReceivedCommand(RemoveRoleFromInstanceProfileCommand);
    expect(state.current.instanceRole).toBeDefined();
  });
});
