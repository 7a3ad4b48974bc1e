/**
 * service rollback with scripted answers: the previous ACTIVE revision is chosen, --to must name
 * an ACTIVE revision of the family, no previous revision is a usage error, and after a
 * circuit-breaker rollback it is a no-op that says why. The desired count is never sent.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { UsageError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import { rollbackService } from '../../../../src/steps/service/rollback.js';
import { revisionNumber } from '../../../../src/cli/commands/service-day-two.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const td = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;
const base: Partial<State> = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  service: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/web' },
  taskDefinition: { family: 'web', arn: td(3), revision: 3, containerName: 'web', containerPort: 8080 },
};
const live = (o: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  serviceArn: base.service!.arn,
  status: 'ACTIVE',
  desiredCount: 7,
  runningCount: 7,
  taskDefinition: td(3),
  tags: [{ key: 'ecsctl:stack', value: 'web' }],
  deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
  deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: td(3), rolloutState: 'COMPLETED' }],
  events: [],
  ...o,
});
const revisions = (active: number[], inactive: number[] = []) => {
  for (const n of [...active, ...inactive])
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: td(n) })
      .resolves({ taskDefinition: { taskDefinitionArn: td(n), family: 'web', revision: n, status: 'ACTIVE' } });
  awsMock.ecs.on(ListTaskDefinitionsCommand, { status: 'ACTIVE' }).resolves({ taskDefinitionArns: active.map(td) });
  awsMock.ecs.on(ListTaskDefinitionsCommand, { status: 'INACTIVE' }).resolves({ taskDefinitionArns: inactive.map(td) });
};

beforeEach(() => resetAwsMocks());

describe('service rollback', () => {
  it('rolls to the highest ACTIVE revision below the running one, without a desired count', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live()] });
    revisions([1, 3], [2]);
    awsMock.ecs.on(UpdateServiceCommand).resolves({
      service: live({
        taskDefinition: td(1),
        deployments: [{ id: 'ecs-svc/4', status: 'PRIMARY', taskDefinition: td(1) }],
      }),
    });
    const { ctx } = testContext(base);
    const r = await rollbackService(ctx);
    expect(r).toMatchObject({ outcome: 'updated', from: 'web:3', to: 'web:1' });
    const sent = awsMock.ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input;
    expect(sent.taskDefinition).toBe(td(1));
    expect(sent.desiredCount).toBeUndefined();
    expect('rollout' in r && r.rollout?.deploymentId).toBe('ecs-svc/4');
  });

  it('goes to the revision --to names', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live()] });
    revisions([1, 2, 3]);
    awsMock.ecs.on(UpdateServiceCommand).resolves({ service: live({ taskDefinition: td(2) }) });
    const { ctx } = testContext(base);
    expect(await rollbackService(ctx, { to: 2 })).toMatchObject({ to: 'web:2' });
  });

  it('exits 2 when there is no previous revision, or --to names none of the family', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ taskDefinition: td(1) })] });
    revisions([1]);
    const { ctx } = testContext({ ...base, taskDefinition: { ...base.taskDefinition!, arn: td(1), revision: 1 } });
    await expect(rollbackService(ctx)).rejects.toThrow(/no previous revision/);
    await expect(rollbackService(ctx, { to: 9 })).rejects.toThrow(UsageError);
    expect(awsMock.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('refuses an INACTIVE revision for --to', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live()] });
    revisions([3], [2]);
    const { ctx } = testContext(base);
    await expect(rollbackService(ctx, { to: 2 })).rejects.toThrow(/INACTIVE/);
  });

  it('is a no-op that says why while the circuit breaker rolls back a failed deployment', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        live({
          taskDefinition: td(2),
          deployments: [
            { id: 'ecs-svc/5', status: 'PRIMARY', taskDefinition: td(2), rolloutState: 'IN_PROGRESS' },
            { id: 'ecs-svc/4', status: 'ACTIVE', taskDefinition: td(3), rolloutState: 'FAILED' },
          ],
        }),
      ],
    });
    revisions([1, 2, 3]);
    const { ctx } = testContext(base);
    const r = await rollbackService(ctx);
    expect(r).toMatchObject({ outcome: 'unchanged' });
    expect('reason' in r && r.reason).toMatch(/circuit breaker is rolling back to web:2/);
    expect(awsMock.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('is a no-op after a finished rollback: the service already runs an older revision than the latest', async () => {
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        live({ taskDefinition: td(2), deployments: [{ id: 'ecs-svc/5', status: 'PRIMARY', taskDefinition: td(2) }] }),
      ],
    });
    revisions([1, 2, 3]);
    const { ctx } = testContext(base);
    const r = await rollbackService(ctx);
    expect('reason' in r && r.reason).toMatch(/already runs web:2, older than the latest registered revision 3/);
    expect(awsMock.ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('takes only a revision number for --to', () => {
    expect(revisionNumber('3', '--to')).toBe(3);
    for (const bad of ['abc', '0', 'web:3', '-1', '1.5', ''])
      expect(() => revisionNumber(bad, '--to')).toThrow(UsageError);
  });
});
