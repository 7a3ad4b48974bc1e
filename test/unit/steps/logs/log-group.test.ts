/**
 * The log group behind the awslogs driver: how `taskdef register` renders logConfiguration,
 * that identical content is still reused, and ensure/delete of the group (created tagged and
 * recorded at once, converging, never changing or deleting a group that is not ours).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs';
import { UsageError } from '../../../../src/errors.js';
import { deleteLogGroup, ensureLogGroup } from '../../../../src/steps/logs/log-group.js';
import { sameContent } from '../../../../src/steps/taskdef/taskdef.js';
import {
  awslogsConfiguration,
  defaultLogGroup,
  taskDefinitionFromFlags,
  withLogGroup,
} from '../../../../src/steps/taskdef/input.js';
import * as v from '../../../../src/util/validate.js';
import { awsError, awsMock, REGION, resetAwsMocks, testContext } from '../../helpers/context.js';

beforeEach(resetAwsMocks);

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
const flagsTd = () =>
  taskDefinitionFromFlags({
    family: 'web',
    containerName: 'web',
    image: IMAGE,
    containerPort: 8080,
    memory: 128,
    cpu: 0,
    env: [],
  });
const MUTATING = new Set(['CreateLogGroupCommand', 'PutRetentionPolicyCommand', 'DeleteLogGroupCommand']);
const mutatingCalls = () =>
  awsMock.logs
    .calls()
    .map((c) => c.args[0].constructor.name)
    .filter((n) => MUTATING.has(n));
const group = (name: string, retentionInDays?: number) => ({
  logGroupName: name,
  retentionInDays,
  arn: `arn:aws:logs:${REGION}:123456789012:log-group:${name}:*`,
});

describe('log configuration rendering', () => {
  it("adds the walkthrough's awslogs configuration: group /ecs/<stack>, the stack's region, prefix ecs", () => {
    const { taskDefinition, logGroup } = withLogGroup(flagsTd(), 'eu-west-1', defaultLogGroup('web'));
    expect(logGroup).toBe('/ecs/web');
    expect(taskDefinition.containerDefinitions?.[0]?.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'ecs' },
    });
  });

  it('adds nothing with --no-logs', () => {
    const { taskDefinition, logGroup } = withLogGroup(flagsTd(), REGION, undefined);
    expect(logGroup).toBeUndefined();
    expect(taskDefinition.containerDefinitions?.[0]?.logConfiguration).toBeUndefined();
  });

  it("keeps a file's own awslogs group, filling a missing region and prefix; even with --no-logs", () => {
    const td: RegisterTaskDefinitionCommandInput = {
      family: 'td-testunit',
      containerDefinitions: [
        {
          name: 'app',
          image: IMAGE,
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/td-testunit' } },
        },
      ],
    };
    for (const fallback of ['/ecs/web', undefined]) {
      const out = withLogGroup(td, REGION, fallback);
      expect(out.logGroup).toBe('/ecs/td-testunit');
      expect(out.taskDefinition.containerDefinitions?.[0]?.logConfiguration?.options).toEqual({
        'awslogs-group': '/ecs/td-testunit',
        'awslogs-region': REGION,
        'awslogs-stream-prefix': 'ecs',
      });
    }
    expect(td.containerDefinitions?.[0]?.logConfiguration?.options).toEqual({ 'awslogs-group': '/ecs/td-testunit' }); // input untouched
  });

  it('leaves other log drivers alone and creates no group for them', () => {
    const td: RegisterTaskDefinitionCommandInput = {
      family: 'x',
      containerDefinitions: [{ name: 'app', image: IMAGE, logConfiguration: { logDriver: 'json-file' } }],
    };
    const out = withLogGroup(td, REGION, '/ecs/web');
    expect(out.logGroup).toBeUndefined();
    expect(out.taskDefinition.containerDefinitions?.[0]?.logConfiguration).toEqual({ logDriver: 'json-file' });
  });

  it('rejects a group in another region, a missing or invalid group name, and two groups', () => {
    const with1 = (options: Record<string, string>, name = 'app') => ({
      name,
      image: IMAGE,
      logConfiguration: { logDriver: 'awslogs' as const, options },
    });
    const cases: [Record<string, string>[], RegExp][] = [
      [
        [{ 'awslogs-group': '/ecs/x', 'awslogs-region': 'ap-northeast-2' }],
        /sends its logs to region ap-northeast-2, but the stack is in us-east-1/,
      ],
      [[{ 'awslogs-region': REGION }], /names no "awslogs-group"/],
      [[{ 'awslogs-group': 'has space' }], /is not a CloudWatch Logs group name/],
      [[{ 'awslogs-group': '/ecs/a' }, { 'awslogs-group': '/ecs/b' }], /logs to 2 CloudWatch Logs groups/],
    ];
    for (const [options, message] of cases) {
      const td = { family: 'x', containerDefinitions: options.map((o, i) => with1(o, `c${i}`)) };
      expect(() => withLogGroup(td, REGION, undefined)).toThrow(message);
      expect(() => withLogGroup(td, REGION, undefined)).toThrow(UsageError);
    }
  });

  it('lets identical content (logConfiguration included) reuse the revision, and a changed group not', () => {
    const input = withLogGroup(flagsTd(), REGION, '/ecs/web').taskDefinition;
    // What ECS echoes back: the same container with defaults and empty lists added.
    const live = {
      ...input,
      revision: 1,
      status: 'ACTIVE',
      volumes: [],
      placementConstraints: [],
      containerDefinitions: input.containerDefinitions!.map((c) => ({
        ...c,
        mountPoints: [],
        volumesFrom: [],
        logConfiguration: { ...c.logConfiguration!, secretOptions: [] },
      })),
    } as TaskDefinition;
    expect(sameContent(input, live)).toBe(true);
    expect(sameContent(withLogGroup(flagsTd(), REGION, '/ecs/other').taskDefinition, live)).toBe(false);
    expect(sameContent(flagsTd(), live)).toBe(false); // --no-logs differs from a revision that logs
  });
});

describe('--log-retention-days', () => {
  it("accepts CloudWatch's retention periods only", () => {
    expect(v.logRetentionDays('7', '--log-retention-days')).toBe(7);
    expect(v.logRetentionDays('3653', '--log-retention-days')).toBe(3653);
    for (const bad of ['8', '0', '-7', '7.0', 'week', '', '3654']) {
      expect(() => v.logRetentionDays(bad, '--log-retention-days')).toThrow(UsageError);
    }
  });
});

describe('ensureLogGroup', () => {
  it('creates the group tagged with the stack, records it before setting the retention', async () => {
    const { ctx, state } = testContext();
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    awsMock.logs.on(CreateLogGroupCommand).resolves({});
    let recordedAtPut: unknown;
    awsMock.logs.on(PutRetentionPolicyCommand).callsFake(() => {
      recordedAtPut = state.current.logGroup;
      return {};
    });
    const r = await ensureLogGroup(ctx, { name: '/ecs/web', retentionDays: 7 });
    expect(r).toEqual({ outcome: 'created', name: '/ecs/web', retentionDays: 7 });
    expect(awsMock.logs).toHaveReceivedCommandWith(CreateLogGroupCommand, {
      logGroupName: '/ecs/web',
      tags: { 'ecsctl:stack': 'web' },
    });
    expect(awsMock.logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, {
      logGroupName: '/ecs/web',
      retentionInDays: 7,
    });
    expect(recordedAtPut).toEqual({ name: '/ecs/web', retentionDays: 7 });
    expect(state.current.logGroup).toEqual({ name: '/ecs/web', retentionDays: 7 });
  });

  it('finds the exact name among prefix matches across pages, and a rerun makes no mutating call', async () => {
    const { ctx, state } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
    awsMock.logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ logGroups: [group('/ecs/web-admin')], nextToken: 't' })
      .resolvesOnce({ logGroups: [group('/ecs/web', 7)] });
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: { 'ecsctl:stack': 'web' } });
    const r = await ensureLogGroup(ctx, { name: '/ecs/web', retentionDays: 7 });
    expect(r.outcome).toBe('unchanged');
    expect(awsMock.logs).toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      resourceArn: `arn:aws:logs:${REGION}:123456789012:log-group:/ecs/web`,
    });
    expect(mutatingCalls()).toEqual([]);
    expect(state.saved).toHaveLength(0);
  });

  it('sets a new retention on a group of ours', async () => {
    const { ctx, state } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group('/ecs/web', 7)] });
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: { 'ecsctl:stack': 'web' } });
    awsMock.logs.on(PutRetentionPolicyCommand).resolves({});
    expect((await ensureLogGroup(ctx, { name: '/ecs/web', retentionDays: 30 })).outcome).toBe('updated');
    expect(awsMock.logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, { retentionInDays: 30 });
    expect(state.current.logGroup?.retentionDays).toBe(30);
  });

  it('uses a group without our tag as it is: no retention change, not recorded, a warning', async () => {
    const { ctx, state, report } = testContext();
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group('/ecs/td-testunit', 30)] });
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: { 'ecsctl:stack': 'someone-else' } });
    const r = await ensureLogGroup(ctx, { name: '/ecs/td-testunit', retentionDays: 7 });
    expect(r).toEqual({ outcome: 'not-ours', name: '/ecs/td-testunit', retentionDays: 30 });
    expect(mutatingCalls()).toEqual([]);
    expect(state.current.logGroup).toBeUndefined();
    expect(report.lines.join('\n')).toMatch(/warn: log group \/ecs\/td-testunit exists but was not created by ecsctl/);
  });

  it('judges a group created between describe and create by its tags', async () => {
    const { ctx, state } = testContext();
    awsMock.logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ logGroups: [] })
      .resolves({ logGroups: [group('/ecs/web')] });
    awsMock.logs.on(CreateLogGroupCommand).rejects(awsError('ResourceAlreadyExistsException'));
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: {} });
    expect((await ensureLogGroup(ctx, { name: '/ecs/web', retentionDays: 7 })).outcome).toBe('not-ours');
    expect(state.current.logGroup).toBeUndefined();
  });

  it('keeps one group per stack: another recorded group is a usage error before any call', async () => {
    const { ctx } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
    await expect(ensureLogGroup(ctx, { name: '/ecs/other', retentionDays: 7 })).rejects.toThrow(
      /already has log group \/ecs\/web/,
    );
    expect(awsMock.logs.calls()).toHaveLength(0);
  });

  it('reports other AWS failures as one line naming what it did', async () => {
    const { ctx } = testContext();
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    awsMock.logs.on(CreateLogGroupCommand).rejects(awsError('LimitExceededException', 'Resource limit exceeded.'));
    await expect(ensureLogGroup(ctx, { name: '/ecs/web', retentionDays: 7 })).rejects.toThrow(
      'create log group /ecs/web: account quota reached: LimitExceededException: Resource limit exceeded.',
    );
  });
});

describe('deleteLogGroup', () => {
  it('deletes the recorded group of ours and forgets it', async () => {
    const { ctx, state } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group('/ecs/web', 7)] });
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: { 'ecsctl:stack': 'web' } });
    awsMock.logs.on(DeleteLogGroupCommand).resolves({});
    expect(await deleteLogGroup(ctx)).toEqual({ outcome: 'deleted', name: '/ecs/web' });
    expect(awsMock.logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: '/ecs/web' });
    expect(state.current.logGroup).toBeUndefined();
  });

  it('treats a group already gone (before or during the call) as deleted', async () => {
    for (const gone of ['describe', 'delete'] as const) {
      resetAwsMocks();
      const { ctx, state } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
      awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: gone === 'describe' ? [] : [group('/ecs/web')] });
      awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: { 'ecsctl:stack': 'web' } });
      awsMock.logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));
      expect((await deleteLogGroup(ctx)).outcome).toBe('absent');
      expect(state.current.logGroup).toBeUndefined();
    }
  });

  it('never deletes a group without our tag', async () => {
    const { ctx, state, report } = testContext({ logGroup: { name: '/ecs/web', retentionDays: 7 } });
    awsMock.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group('/ecs/web')] });
    awsMock.logs.on(ListTagsForResourceCommand).resolves({ tags: {} });
    expect((await deleteLogGroup(ctx)).outcome).toBe('not-ours');
    expect(awsMock.logs).not.toHaveReceivedCommand(DeleteLogGroupCommand);
    expect(state.current.logGroup).toBeUndefined();
    expect(report.lines).toContainEqual(expect.stringMatching(/not tagged ecsctl:stack=web; left it alone/));
  });

  it('does nothing when no group is recorded', async () => {
    const { ctx } = testContext();
    expect(await deleteLogGroup(ctx)).toEqual({ outcome: 'absent' });
    expect(awsMock.logs.calls()).toHaveLength(0);
  });
});

it('awslogsConfiguration is what the walkthrough writes by hand', () => {
  expect(awslogsConfiguration('/ecs/td-testunit', 'ap-northeast-2')).toEqual({
    logDriver: 'awslogs',
    options: {
      'awslogs-group': '/ecs/td-testunit',
      'awslogs-region': 'ap-northeast-2',
      'awslogs-stream-prefix': 'ecs',
    },
  });
});
