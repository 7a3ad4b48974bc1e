/**
 * ecsctl run with scripted answers: the RunTask request (override, startedBy, placement), the
 * exit code mapping (container exit code, never started → 1, timeout → 4, interrupted → 130 with
 * or without stopping the task) and the log lines streamed while waiting.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  ContainerExitError,
  InterruptedError,
  OperationError,
  UsageError,
  WaitTimeoutError,
} from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import { exitOf, placementFor, runOneOffTask, startedByOf } from '../../../../src/steps/task/run.js';
import { capacityProviderStrategy } from '../../../../src/steps/capacity/mode.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:4';
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/web/0123456789abcdef0123456789abcdef';
const base: Partial<State> = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  service: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/web' },
  taskDefinition: { family: 'web', arn: TD, revision: 4, containerName: 'web', containerPort: 8080 },
};
const task = (o: Partial<Task> = {}): Task => ({
  taskArn: TASK,
  lastStatus: 'PENDING',
  desiredStatus: 'RUNNING',
  containers: [{ name: 'web' }],
  ...o,
});
const stopped = (exitCode: number | undefined, o: Partial<Task> = {}) =>
  task({
    lastStatus: 'STOPPED',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'web', exitCode }],
    ...o,
  });
const logsTo = () =>
  awsMock.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TD,
      containerDefinitions: [
        {
          name: 'web',
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' },
          },
        },
      ],
    },
  });
const started = () => {
  awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
  awsMock.ecs.on(RunTaskCommand).resolves({ tasks: [task()], failures: [] });
};
const input = { command: ['npm', 'run', 'migrate'], detach: false, timeoutMs: 60_000 };

beforeEach(() => resetAwsMocks());

describe('exit code mapping', () => {
  it('is the container’s own exit code once it ran', () => {
    expect(exitOf(stopped(0), 'web')).toMatchObject({ code: 0, started: true });
    expect(exitOf(stopped(3), 'web')).toMatchObject({ code: 3, started: true });
    expect(exitOf(stopped(137), 'web').message).toMatch(/exited with code 137/);
  });
  it('is 1 with ECS’s reason when the task never started', () => {
    const never = stopped(undefined, {
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull access denied',
    });
    expect(exitOf(never, 'web')).toMatchObject({ code: 1, started: false });
    expect(exitOf(never, 'web').message).toMatch(/never started: CannotPullContainerError/);
  });
});

describe('placement', () => {
  it('uses the service’s capacity provider strategy, else the recorded provider, else EC2', () => {
    const strategy = [{ capacityProvider: 'web-asg', weight: 1, base: 0 }];
    expect(placementFor(base as State, strategy)).toEqual({ capacityProviderStrategy: strategy });
    const asg = {
      mode: 'asg',
      capacityProvider: { name: 'web-capacity', arn: 'arn:aws:ecs:us-east-1:1:capacity-provider/web-capacity' },
    };
    expect(placementFor({ ...base, capacity: asg } as State, [])).toEqual({
      capacityProviderStrategy: capacityProviderStrategy({ ...base, capacity: asg } as State),
    });
    expect(placementFor(base as State, undefined)).toEqual({ launchType: 'EC2' });
  });
});

describe('runOneOffTask', () => {
  it('sends the override with startedBy and the stack tag, records the ARN, and returns at once with --detach', async () => {
    started();
    const { ctx, state } = testContext(base);
    const r = await runOneOffTask(ctx, { ...input, detach: true });
    expect(r).toMatchObject({ taskArn: TASK, detached: true, container: 'web' });
    expect(awsMock.ecs).toHaveReceivedCommandWith(RunTaskCommand, {
      cluster: 'web',
      taskDefinition: TD,
      launchType: 'EC2',
      startedBy: startedByOf('web'),
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
      tags: [{ key: 'ecsctl:stack', value: 'web' }],
    });
    expect(startedByOf('a'.repeat(28)).length).toBeLessThanOrEqual(36);
    expect(state.current.lastRun).toEqual({ taskArn: TASK });
    expect(awsMock.ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it('refuses an empty command before any call', async () => {
    const { ctx } = testContext(base);
    await expect(runOneOffTask(ctx, { ...input, command: [] })).rejects.toThrow(UsageError);
    expect(awsMock.ecs.calls()).toHaveLength(0);
  });

  it('streams the task’s log events while it runs and returns exit code 0', async () => {
    started();
    logsTo();
    awsMock.ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
      .resolves({ tasks: [stopped(0)] });
    awsMock.logs.on(FilterLogEventsCommand).resolves({
      events: [
        { logStreamName: `ecs/web/${TASK.split('/').at(-1)}`, eventId: '1', timestamp: 5, message: 'migrated 3\n' },
      ],
    });
    const { ctx } = testContext(base);
    const printed: string[] = [];
    const r = await runOneOffTask(ctx, { ...input, print: (e) => printed.push(e.message) });
    expect(r.exitCode).toBe(0);
    expect(printed).toEqual(['migrated 3']);
    expect(awsMock.logs).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: '/ecs/web',
      logStreamNamePrefix: `ecs/web/${TASK.split('/').at(-1)}`,
    });
  });

  it('throws the container’s non-zero exit code', async () => {
    started();
    logsTo();
    awsMock.ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(3)] });
    awsMock.logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { ctx } = testContext(base);
    const err = await runOneOffTask(ctx, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerExitError);
    expect((err as ContainerExitError).exitCode).toBe(3);
  });

  it('exits 1 when the task stopped before its container ran, and when RunTask placed nothing', async () => {
    started();
    logsTo();
    awsMock.ecs.on(DescribeTasksCommand).resolves({
      tasks: [stopped(undefined, { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError' })],
    });
    awsMock.logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { ctx } = testContext(base);
    await expect(runOneOffTask(ctx, input)).rejects.toThrow(/never started: CannotPullContainerError/);

    awsMock.ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] });
    const err = await runOneOffTask(testContext(base).ctx, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toMatch(/never started: RESOURCE:MEMORY/);
  });

  it('times out with exit 4 and leaves the task running', async () => {
    started();
    logsTo();
    awsMock.ecs.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: 'RUNNING' })] });
    awsMock.logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { ctx } = testContext(base);
    await expect(runOneOffTask(ctx, { ...input, timeoutMs: 10_000 })).rejects.toThrow(WaitTimeoutError);
    expect(awsMock.ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('on Ctrl-C asks whether to stop the task: yes stops it, no leaves it running; both exit 130', async () => {
    for (const answer of [true, false]) {
      resetAwsMocks();
      started();
      logsTo();
      awsMock.ecs.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: 'RUNNING' })] });
      awsMock.logs.on(FilterLogEventsCommand).resolves({ events: [] });
      awsMock.ecs.on(StopTaskCommand).resolves({});
      const controller = new AbortController();
      let asked = '';
      const { ctx } = testContext(base, {
        signal: controller.signal,
        sleep: async () => {
          controller.abort(new InterruptedError('interrupted'));
          throw controller.signal.reason;
        },
      });
      const err = await runOneOffTask(ctx, {
        ...input,
        askToStop: async (id) => {
          asked = id;
          return answer;
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InterruptedError);
      expect(asked).toBe(TASK.split('/').at(-1));
      expect(awsMock.ecs.commandCalls(StopTaskCommand)).toHaveLength(answer ? 1 : 0);
      expect((err as Error).message).toMatch(answer ? /asked to stop/ : /keeps running/);
    }
  });
});
