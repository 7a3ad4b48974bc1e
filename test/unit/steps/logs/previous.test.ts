/**
 * logs --previous with scripted answers: of the service's stopped tasks, the one that stopped
 * last is picked (one-off tasks and other services' tasks are not), and its header says why.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeTasksCommand, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import type { State } from '../../../../src/state/schema.js';
import {
  findPreviousTask,
  pickPreviousTask,
  previousHeader,
  sinceForTask,
} from '../../../../src/steps/logs/previous.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const arn = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/web/${id}`;
const t = (id: string, stoppedAt: number, o: Partial<Task> = {}): Task => ({
  taskArn: arn(id),
  group: 'service:web',
  lastStatus: 'STOPPED',
  stoppedAt: new Date(stoppedAt),
  startedAt: new Date(stoppedAt - 30_000),
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'web', exitCode: 1 }],
  ...o,
});
const base: Partial<State> = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  service: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/web' },
};

beforeEach(() => resetAwsMocks());

describe('logs --previous', () => {
  it('picks the service task that stopped last, not a one-off task or another group', () => {
    const tasks = [
      t('aaaaaaaa1', 1_000),
      t('bbbbbbbb2', 3_000),
      t('cccccccc3', 9_000, { group: 'family:web', startedBy: 'ecsctl/web' }),
      t('dddddddd4', 8_000, { group: 'service:other' }),
      t('eeeeeeee5', 7_000, { lastStatus: 'DEPROVISIONING' }),
    ];
    expect(pickPreviousTask(tasks, 'web')?.taskArn).toBe(arn('bbbbbbbb2'));
    expect(pickPreviousTask([], 'web')).toBeUndefined();
  });

  it('reads the stopped tasks of the service and says why the picked one stopped', async () => {
    awsMock.ecs.on(ListTasksCommand).resolves({ taskArns: [arn('aaaaaaaa1'), arn('bbbbbbbb2')] });
    awsMock.ecs.on(DescribeTasksCommand).resolves({ tasks: [t('aaaaaaaa1', 1_000), t('bbbbbbbb2', 2_000)] });
    const { ctx } = testContext(base);
    const p = await findPreviousTask(ctx);
    expect(awsMock.ecs).toHaveReceivedCommandWith(ListTasksCommand, {
      cluster: 'web',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
    });
    expect(p).toMatchObject({ taskId: 'bbbbbbbb2', exitCode: 1, container: 'web' });
    expect(previousHeader(p!)).toBe(
      'task bbbbbbbb stopped 1970-01-01T00:00:02.000Z: Essential container in task exited (web: exit code 1)',
    );
    expect(sinceForTask(p!, 1_000_000)).toBe(1_000_000 - (2_000 - 30_000 - 60_000));
  });

  it('says a container never ran when it has no exit code', () => {
    expect(
      previousHeader({ taskArn: arn('x'), taskId: 'x', stoppedReason: 'CannotPullContainerError', container: 'web' }),
    ).toMatch(/CannotPullContainerError \(web: no exit code: it never ran\)/);
  });
});
