/**
 * The task execution role with scripted answers: created with the ECS tasks trust, the managed
 * policy and an inline policy naming exactly the secrets; recorded at once; a converged rerun
 * only reads; secrets removed → the inline policy goes; down deletes it all; never a foreign role.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import {
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ForeignResourceError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import {
  deleteExecutionRole,
  ensureExecutionRole,
  executionPolicyArn,
} from '../../../../src/steps/taskdef/execution-role.js';
import { ensureTaskDefinition } from '../../../../src/steps/taskdef/ensure.js';
import { secretsPolicyDocument } from '../../../../src/steps/taskdef/secrets.js';
import { awsMock, awsError, resetAwsMocks, testContext } from '../../helpers/context.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/web-task-execution';
const SM = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
const PARAM = 'arn:aws:ssm:us-east-1:123456789012:parameter/web/token';
const OURS = [{ Key: 'ecsctl:stack', Value: 'web' }];
const MANAGED = executionPolicyArn('aws');
const base: Partial<State> = { cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } };
const role = (tags = OURS) =>
  awsMock.iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'web-task-execution',
      Arn: ROLE_ARN,
      Path: '/',
      RoleId: 'R',
      CreateDate: new Date(0),
      Tags: tags,
    },
  });
const mutating = () =>
  awsMock.iam
    .calls()
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => !/^(Get|List)/.test(n));

beforeEach(() => resetAwsMocks());

describe('ensureExecutionRole', () => {
  it('creates the role trusted by ecs-tasks, records it, attaches the managed policy and names exactly the secrets', async () => {
    awsMock.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException'));
    awsMock.iam.on(CreateRoleCommand).resolves({
      Role: { RoleName: 'web-task-execution', Arn: ROLE_ARN, Path: '/', RoleId: 'R', CreateDate: new Date(0) },
    });
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    awsMock.iam.on(GetRolePolicyCommand).rejects(awsError('NoSuchEntityException'));
    const { ctx, state } = testContext(base);
    const r = await ensureExecutionRole(ctx, [
      ['DB_PASSWORD', SM],
      ['TOKEN', '/web/token'],
    ]);
    expect(r.outcome).toBe('created');
    expect(r.secrets).toEqual([
      { name: 'DB_PASSWORD', valueFrom: SM },
      { name: 'TOKEN', valueFrom: PARAM },
    ]);
    const create = awsMock.iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(JSON.parse(create.AssumeRolePolicyDocument!).Statement[0].Principal).toEqual({
      Service: 'ecs-tasks.amazonaws.com',
    });
    expect(create.Tags).toEqual(OURS);
    expect(awsMock.iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { PolicyArn: MANAGED });
    const put = awsMock.iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(JSON.parse(put.PolicyDocument!).Statement.flatMap((s: { Resource: string[] }) => s.Resource)).toEqual([
      PARAM,
      SM,
    ]);
    expect(state.current.executionRole).toEqual({ roleName: 'web-task-execution', arn: ROLE_ARN });
    expect(state.saved[0]?.executionRole?.arn).toBe(ROLE_ARN);
  });

  it('only reads when the role, the managed policy and the same inline policy are there', async () => {
    role();
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    awsMock.iam.on(GetRolePolicyCommand).resolves({
      RoleName: 'x',
      PolicyName: 'ecsctl-secrets',
      PolicyDocument: encodeURIComponent(secretsPolicyDocument([SM])!),
    });
    const { ctx } = testContext({ ...base, executionRole: { roleName: 'web-task-execution', arn: ROLE_ARN } });
    const r = await ensureExecutionRole(ctx, [['DB_PASSWORD', SM]]);
    expect(r.outcome).toBe('unchanged');
    expect(mutating()).toEqual([]);
  });

  it('puts the policy again when the secrets change, and takes it back when none are left', async () => {
    role();
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    awsMock.iam.on(GetRolePolicyCommand).resolves({
      RoleName: 'x',
      PolicyName: 'ecsctl-secrets',
      PolicyDocument: encodeURIComponent(secretsPolicyDocument([SM])!),
    });
    const recorded = { ...base, executionRole: { roleName: 'web-task-execution', arn: ROLE_ARN } };
    expect((await ensureExecutionRole(testContext(recorded).ctx, [['TOKEN', PARAM]])).outcome).toBe('updated');
    expect(mutating()).toEqual(['PutRolePolicyCommand']);

    awsMock.iam.resetHistory();
    const none = await ensureExecutionRole(testContext(recorded).ctx, []);
    expect(none).toMatchObject({ outcome: 'updated', secrets: [] });
    expect(none.roleArn).toBeUndefined();
    expect(mutating()).toEqual(['DeleteRolePolicyCommand']);
  });

  it('makes no IAM call at all for a stack without secrets or a recorded role', async () => {
    const r = await ensureExecutionRole(testContext(base).ctx, []);
    expect(r.outcome).toBe('absent');
    expect(awsMock.iam.calls()).toHaveLength(0);
  });

  it('never adopts a same-named role without the stack tag', async () => {
    role([]);
    await expect(ensureExecutionRole(testContext(base).ctx, [['X', SM]])).rejects.toThrow(ForeignResourceError);
    expect(mutating()).toEqual([]);
  });
});

describe('deleteExecutionRole', () => {
  it('deletes the inline policy, detaches the managed one, deletes the role and forgets it', async () => {
    role();
    awsMock.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['ecsctl-secrets'] });
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    const { ctx, state } = testContext({ ...base, executionRole: { roleName: 'web-task-execution', arn: ROLE_ARN } });
    expect(await deleteExecutionRole(ctx)).toBe('deleted');
    expect(mutating()).toEqual(['DeleteRolePolicyCommand', 'DetachRolePolicyCommand', 'DeleteRoleCommand']);
    expect(awsMock.iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { PolicyArn: MANAGED });
    expect(awsMock.iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'web-task-execution' });
    expect(state.current.executionRole).toBeUndefined();
  });
  it('treats a role already gone as done', async () => {
    awsMock.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
    const { ctx, state } = testContext({ ...base, executionRole: { roleName: 'web-task-execution', arn: ROLE_ARN } });
    expect(await deleteExecutionRole(ctx)).toBe('absent');
    expect(state.current.executionRole).toBeUndefined();
    expect(awsMock.iam.commandCalls(DeleteRolePolicyCommand)).toHaveLength(0);
  });
});

describe('taskdef register --secret', () => {
  it('registers the secrets by ARN with the execution role, and the same flags again register nothing', async () => {
    role();
    awsMock.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    awsMock.iam.on(GetRolePolicyCommand).resolves({
      RoleName: 'x',
      PolicyName: 'ecsctl-secrets',
      PolicyDocument: encodeURIComponent(secretsPolicyDocument([SM])!),
    });
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    awsMock.logs.on(CreateLogGroupCommand).resolves({});
    awsMock.logs.on(PutRetentionPolicyCommand).resolves({});
    awsMock.ecs.on(DescribeTaskDefinitionCommand).rejects(awsError('ClientException'));
    let registered: RegisterTaskDefinitionCommandInput | undefined;
    awsMock.ecs.on(RegisterTaskDefinitionCommand).callsFake((input: RegisterTaskDefinitionCommandInput) => {
      registered = input;
      return {
        taskDefinition: {
          ...input,
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
          revision: 1,
          status: 'ACTIVE',
        },
      };
    });
    const { ctx } = testContext({ ...base, image: { uri: 'nginx:1.27' } });
    const options = {
      containerPort: 8080,
      memory: 128,
      cpu: 0,
      logs: true,
      env: [['GREETING', 'hello']] as [string, string][],
      secrets: [['DB_PASSWORD', SM]] as [string, string][],
    };
    const r = await ensureTaskDefinition(ctx, options);
    expect(r.outcome).toBe('created');
    expect(registered?.executionRoleArn).toBe(ROLE_ARN);
    expect(registered?.containerDefinitions?.[0]?.secrets).toEqual([{ name: 'DB_PASSWORD', valueFrom: SM }]);

    awsMock.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { ...registered, status: 'ACTIVE', revision: 1, taskDefinitionArn: r.taskDefinition!.arn },
      tags: [{ key: 'ecsctl:stack', value: 'web' }],
    });
    awsMock.ecs.resetHistory();
    const again = await ensureTaskDefinition(ctx, options);
    expect(again.outcome).toBe('unchanged');
    expect(awsMock.ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });
});
