/**
 * `ecsctl logs`: where events are read from, their order and task prefix, narrowing by task and
 * container, the --follow loop on an injected clock (every 2 s, each event once), --since
 * parsing and bad input rejected with exit 2 before any AWS call.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, type ContainerDefinition } from '@aws-sdk/client-ecs';
import { InterruptedError, OperationError, UsageError } from '../../../../src/errors.js';
import { main } from '../../../../src/main.js';
import {
  FOLLOW_INTERVAL_MS,
  FOLLOW_OVERLAP_MS,
  formatEvent,
  readLogs,
  toView,
  type LogEventView,
} from '../../../../src/steps/logs/logs.js';
import { awslogsConfiguration } from '../../../../src/steps/taskdef/input.js';
import * as v from '../../../../src/util/validate.js';
import { awsError, awsMock, REGION, resetAwsMocks, testContext } from '../../helpers/context.js';

beforeEach(resetAwsMocks);

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const TASK_A = '3f2a9c1d7e6b4a5f8c0d1e2f3a4b5c6d';
const TASK_B = '9b8e7d6c5a4f4e3d2c1b0a9f8e7d6c5b';
const TD = {
  family: 'web',
  arn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
  revision: 3,
  containerName: 'web',
  containerPort: 8080,
};

let nextId = 0;
const ev = (task: string, ts: number, message: string, container = 'web'): FilteredLogEvent => ({
  logStreamName: `ecs/${container}/${task}`,
  timestamp: ts,
  message,
  eventId: String(nextId++),
  ingestionTime: ts + 500,
});

function withContainers(...containers: ContainerDefinition[]) {
  awsMock.ecs
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: { family: 'web', revision: 3, containerDefinitions: containers } });
}
const logging = (name: string, group = '/ecs/web'): ContainerDefinition => ({
  name,
  image: 'x',
  logConfiguration: awslogsConfiguration(group, REGION),
});

/** A context whose clock starts at NOW; `stopAfter` sleeps abort it the way Ctrl-C does in the runner. */
function clockContext(stopAfter = Infinity) {
  let clock = NOW;
  const sleeps: number[] = [];
  const controller = new AbortController();
  const t = testContext(
    { taskDefinition: TD },
    {
      now: () => clock,
      signal: controller.signal,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
        if (sleeps.length >= stopAfter) {
          controller.abort(new InterruptedError('interrupted'));
          throw controller.signal.reason;
        }
      },
    },
  );
  return { ...t, sleeps, controller };
}

async function collect(ctx: ReturnType<typeof testContext>['ctx'], query: Parameters<typeof readLogs>[1]) {
  const printed: LogEventView[] = [];
  const result = await readLogs(ctx, query, (e) => void printed.push(e));
  return { printed, result };
}

describe('reading events', () => {
  it("prints every page oldest first, each with its task ID, from --since ago, in the recorded definition's group", async () => {
    withContainers(logging('web'));
    awsMock.logs
      .on(FilterLogEventsCommand)
      // The API orders events per stream, not across streams.
      .resolvesOnce({ events: [ev(TASK_A, NOW - 3000, 'a1'), ev(TASK_A, NOW - 1000, 'a2')], nextToken: 'p2' })
      .resolvesOnce({ events: [ev(TASK_B, NOW - 2000, 'b1\n')] });
    const { ctx } = clockContext();
    const { printed, result } = await collect(ctx, { sinceMs: 600_000 });
    expect(printed.map((e) => `${e.task.slice(0, 4)} ${e.message}`)).toEqual(['3f2a a1', '9b8e b1', '3f2a a2']);
    expect(printed[1]).toEqual({
      timestamp: new Date(NOW - 2000).toISOString(),
      task: TASK_B,
      container: 'web',
      message: 'b1',
    });
    expect(result.events).toBe(3);
    expect(awsMock.logs).toHaveReceivedNthCommandWith(FilterLogEventsCommand, 1, {
      logGroupName: '/ecs/web',
      startTime: NOW - 600_000,
      logStreamNamePrefix: undefined,
    });
    expect(awsMock.logs).toHaveReceivedNthCommandWith(FilterLogEventsCommand, 2, { nextToken: 'p2' });
    expect(awsMock.ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: TD.arn });
  });

  it('narrows with logStreamNamePrefix for --task and --container, and filters what comes back as well', async () => {
    withContainers(logging('web'));
    // moto ignores logStreamNamePrefix and returns every stream: the client-side filter must hold.
    awsMock.logs
      .on(FilterLogEventsCommand)
      .resolves({ events: [ev(TASK_A, NOW - 2000, 'a'), ev(TASK_B, NOW - 1000, 'b')] });
    const { ctx } = clockContext();
    expect((await collect(ctx, { sinceMs: 60_000, task: '9b8e7d6c' })).printed.map((e) => e.message)).toEqual(['b']);
    expect(awsMock.logs).toHaveReceivedLastCommandWith(FilterLogEventsCommand, {
      logStreamNamePrefix: 'ecs/web/9b8e7d6c',
    });
    await collect(ctx, { sinceMs: 60_000, container: 'web' });
    expect(awsMock.logs).toHaveReceivedLastCommandWith(FilterLogEventsCommand, { logStreamNamePrefix: 'ecs/web/' });
  });

  it('with several containers, filters by stream name and says so to the printer', async () => {
    withContainers(logging('web'), logging('sidecar'), { name: 'quiet', image: 'x' });
    awsMock.logs.on(FilterLogEventsCommand).resolves({
      events: [
        ev(TASK_A, NOW - 3000, 'w', 'web'),
        ev(TASK_A, NOW - 2000, 's', 'sidecar'),
        ev(TASK_B, NOW - 1000, 'x', 'sidecar'),
      ],
    });
    const { ctx } = clockContext();
    const several: boolean[] = [];
    await readLogs(ctx, { sinceMs: 60_000, task: TASK_A }, (_e, s) => void several.push(s));
    expect(several).toEqual([true, true]);
    expect(awsMock.logs).toHaveReceivedLastCommandWith(FilterLogEventsCommand, { logStreamNamePrefix: undefined });
    const sidecar = await collect(ctx, { sinceMs: 60_000, container: 'sidecar', task: TASK_A });
    expect(sidecar.printed.map((e) => e.message)).toEqual(['s']);
    expect(awsMock.logs).toHaveReceivedLastCommandWith(FilterLogEventsCommand, {
      logStreamNamePrefix: `ecs/sidecar/${TASK_A}`,
    });
  });

  it('rejects a container the task definition does not log, and a definition registered with --no-logs', async () => {
    withContainers(logging('web'));
    const { ctx } = clockContext();
    await expect(collect(ctx, { sinceMs: 1000, container: 'db' })).rejects.toThrow(
      /--container db: .* \(it has: web\)/,
    );
    withContainers({ name: 'web', image: 'x' });
    await expect(collect(ctx, { sinceMs: 1000 })).rejects.toThrow(UsageError);
    await expect(collect(ctx, { sinceMs: 1000 })).rejects.toThrow(/web:3 sends no container logs to CloudWatch Logs/);
    expect(awsMock.logs).not.toHaveReceivedCommand(FilterLogEventsCommand);
  });

  it('falls back to the recorded group when the task definition is gone, and needs one or the other', async () => {
    awsMock.ecs.on(DescribeTaskDefinitionCommand).rejects(awsError('ClientException'));
    awsMock.logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const { ctx } = testContext({ taskDefinition: TD, logGroup: { name: '/ecs/web', retentionDays: 7 } });
    expect((await collect(ctx, { sinceMs: 1000 })).result.events).toBe(0);
    expect(awsMock.logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/ecs/web' });
    await expect(collect(testContext().ctx, { sinceMs: 1000 })).rejects.toThrow(
      'no log group recorded in the state file',
    );
  });

  it('says the group is missing in one line', async () => {
    withContainers(logging('web'));
    awsMock.logs
      .on(FilterLogEventsCommand)
      .rejects(awsError('ResourceNotFoundException', 'The specified log group does not exist.'));
    const err = await collect(clockContext().ctx, { sinceMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe('log group /ecs/web does not exist');
  });
});

describe('--follow', () => {
  it('asks every 2 s, from just before the newest event seen, and prints each event once', async () => {
    withContainers(logging('web'));
    const e1 = ev(TASK_A, NOW - 5000, 'one');
    const e2 = ev(TASK_B, NOW + 1000, 'two');
    const e3 = ev(TASK_A, NOW + 3000, 'three');
    const late = ev(TASK_B, NOW + 2500, 'late'); // arrives after `three`, with an older timestamp
    awsMock.logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [e1] })
      .resolvesOnce({ events: [e1, e2] })
      .resolvesOnce({ events: [e1, e2, e3] })
      .resolvesOnce({ events: [e2, late, e3] })
      .resolves({ events: [e3] });
    const { ctx, sleeps } = clockContext(5);
    const printed: string[] = [];
    const stopped = await readLogs(ctx, { sinceMs: 600_000, follow: true }, (e) => void printed.push(e.message)).catch(
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(InterruptedError);
    expect(printed).toEqual(['one', 'two', 'three', 'late']);
    expect(sleeps).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(FOLLOW_INTERVAL_MS).toBe(2000);
    const starts = awsMock.logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.startTime);
    expect(starts).toEqual([
      NOW - 600_000, // --since
      NOW - 5000 - FOLLOW_OVERLAP_MS,
      NOW + 1000 - FOLLOW_OVERLAP_MS,
      NOW + 3000 - FOLLOW_OVERLAP_MS,
      NOW + 3000 - FOLLOW_OVERLAP_MS,
    ]);
  });

  it('never asks before --since, and stops between pages when interrupted', async () => {
    withContainers(logging('web'));
    const { ctx, controller } = clockContext();
    awsMock.logs.on(FilterLogEventsCommand).callsFake(() => {
      controller.abort(new InterruptedError('interrupted')); // Ctrl-C while this call is in flight
      return { events: [ev(TASK_A, NOW - 1000, 'x')], nextToken: 'more' };
    });
    await expect(collect(ctx, { sinceMs: 5000, follow: true })).rejects.toThrow(InterruptedError);
    expect(awsMock.logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 1);
  });
});

describe('rendering', () => {
  it('prefixes each line with the short task ID (and the container when there are several)', () => {
    const view = toView(ev(TASK_A, NOW, 'GET / 200\n', 'web'));
    expect(formatEvent(view, false)).toBe('3f2a9c1d | GET / 200');
    expect(formatEvent(view, true)).toBe('3f2a9c1d/web | GET / 200');
    expect(JSON.parse(JSON.stringify(view))).toEqual({
      timestamp: '2025-01-15T12:00:00.000Z',
      task: TASK_A,
      container: 'web',
      message: 'GET / 200',
    });
    expect(Object.keys(view)).toEqual(['timestamp', 'task', 'container', 'message']);
  });

  it('shows a stream that is not <prefix>/<container>/<task> whole', () => {
    expect(toView({ logStreamName: 'manual', timestamp: NOW, message: 'm' })).toMatchObject({
      task: 'manual',
      container: '',
    });
  });
});

describe('input checks', () => {
  it('parses --since durations and rejects junk', () => {
    const since = (x: string) => v.duration(x, '--since', 3653 * 24 * 3600_000);
    expect(since('10m')).toBe(600_000);
    expect(since('1h')).toBe(3_600_000);
    expect(since('90s')).toBe(90_000);
    expect(since('600')).toBe(600_000);
    expect(since('720h')).toBe(30 * 24 * 3600_000);
    for (const bad of ['yesterday-ish', '', '0', '-5m', '10 minutes', '1d', '1e3'])
      expect(() => since(bad)).toThrow(UsageError);
  });

  it('takes a task ID, its start or its ARN for --task', () => {
    expect(v.taskId(TASK_A, '--task')).toBe(TASK_A);
    expect(v.taskId('3F2A9C1D', '--task')).toBe('3f2a9c1d');
    expect(v.taskId(`arn:aws:ecs:us-east-1:123456789012:task/web/${TASK_A}`, '--task')).toBe(TASK_A);
    expect(v.taskId(`arn:aws:ecs:us-east-1:123456789012:task/${TASK_A}`, '--task')).toBe(TASK_A);
    for (const bad of ['zz', '', 'ecs/web/abc', '../x']) expect(() => v.taskId(bad, '--task')).toThrow(UsageError);
  });

  describe('on the command line', () => {
    let stderr: string[];
    beforeEach(() => {
      stderr = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
    });
    afterEach(() => vi.restoreAllMocks());

    it('exits 2 with one line for --since yesterday-ish, --task zz and --log-retention-days 8, calling nothing', async () => {
      const cases: [string[], RegExp][] = [
        [
          ['logs', '--since', 'yesterday-ish'],
          /^error: --since must be a duration such as 90s, 15m or 1h, got "yesterday-ish"\n$/,
        ],
        [['logs', '--task', 'zz'], /^error: --task "zz" is not an ECS task ID/],
        [
          ['taskdef', 'register', '--name', 'web', '--image', 'nginx', '--log-retention-days', '8'],
          /^error: --log-retention-days must be one of/,
        ],
      ];
      for (const [argv, message] of cases) {
        stderr.length = 0;
        expect(await main(['node', 'ecsctl', ...argv, '--state', '/nonexistent/dir/state.json'])).toBe(2);
        expect(stderr).toHaveLength(1);
        expect(stderr[0]).toMatch(message);
      }
      expect(awsMock.logs.calls()).toHaveLength(0);
    });
  });
});
