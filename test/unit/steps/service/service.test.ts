/**
 * service create / update / delete / show with scripted answers: what is sent (no `role`, circuit
 * breaker, load balancer from the state), what is never sent (no mutating call when nothing
 * changes, nothing to a service without the stack's tag), and the container-instance gate.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListContainerInstancesCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ForeignResourceError, OperationError, UsageError, WaitTimeoutError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import { createService } from '../../../../src/steps/service/service.js';
import { updateService } from '../../../../src/steps/service/update.js';
import { deleteService } from '../../../../src/steps/service/delete.js';
import { showService } from '../../../../src/steps/service/view.js';
import { renderService } from '../../../../src/cli/commands/service-render.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:service/web/web';
const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef';
const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/0123456789abcdef';
const OURS = [{ key: 'ecsctl:stack', value: 'web' }];
const CB = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  minimumHealthyPercent: 50,
  maximumPercent: 200,
};

const base: Partial<State> = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  taskDefinition: { family: 'web', arn: TD1, revision: 1, containerName: 'web', containerPort: 8080 },
};
const withTg: Partial<State> = { ...base, targetGroup: { name: 'web-tg', arn: TG } };

const live = (o: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  serviceArn: ARN,
  status: 'ACTIVE',
  desiredCount: 10,
  runningCount: 10,
  pendingCount: 0,
  taskDefinition: TD1,
  schedulingStrategy: 'REPLICA',
  loadBalancers: [],
  deploymentConfiguration: CB,
  tags: OURS,
  deployments: [
    {
      id: 'ecs-svc/1',
      status: 'PRIMARY',
      taskDefinition: TD1,
      rolloutState: 'COMPLETED',
      desiredCount: 10,
      runningCount: 10,
    },
  ],
  events: [],
  ...o,
});
const oneInstance = () => {
  awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: ['arn:ci/1'] });
  awsMock.ecs
    .on(DescribeContainerInstancesCommand)
    .resolves({ containerInstances: [{ containerInstanceArn: 'arn:ci/1', status: 'ACTIVE', agentConnected: true }] });
};
/** Every ECS or ELB call that is not a Describe/List, by command name. */
const mutatingCalls = () =>
  [...awsMock.ecs.calls(), ...awsMock.elb.calls()]
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => !/^(Describe|List)/.test(n));

beforeEach(() => resetAwsMocks());

describe('createService', () => {
  it('creates a replica service behind the recorded target group, with no role, and records its ARN at once', async () => {
    const { ctx, state } = testContext(withTg);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: ARN, reason: 'MISSING' }] });
    awsMock.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: TG, LoadBalancerArns: [LB] }] });
    oneInstance();
    awsMock.ecs
      .on(CreateServiceCommand)
      .resolves({ service: live({ deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY' }] }) });

    const result = await createService(ctx, {});

    expect(awsMock.ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      cluster: 'web',
      serviceName: 'web',
      taskDefinition: TD1,
      launchType: 'EC2',
      schedulingStrategy: 'REPLICA',
      desiredCount: 10,
      loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: 30,
      deploymentConfiguration: CB,
      tags: OURS,
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
    });
    const sent = awsMock.ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input;
    expect(sent).not.toHaveProperty('role');
    expect(state.saved[0]?.service).toEqual({ name: 'web', arn: ARN });
    expect(result).toMatchObject({
      outcome: 'created',
      rollout: { cluster: 'web', service: 'web', deploymentId: 'ecs-svc/9', seenEventIds: [] },
    });
  });

  it('with --no-lb (or no target group recorded) sends no loadBalancers and no grace period', async () => {
    const { ctx } = testContext(withTg);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    oneInstance();
    awsMock.ecs.on(CreateServiceCommand).resolves({ service: live() });

    await createService(ctx, { loadBalancer: false, desiredCount: 3 });

    const sent = awsMock.ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input;
    expect(sent.desiredCount).toBe(3);
    expect(sent).not.toHaveProperty('loadBalancers');
    expect(sent).not.toHaveProperty('healthCheckGracePeriodSeconds');
    expect(awsMock.elb).not.toHaveReceivedCommand(DescribeTargetGroupsCommand);
  });

  it('creates a DAEMON service without a desired count, and refuses --desired-count with DAEMON before any call', async () => {
    const { ctx } = testContext(base);
    await expect(createService(ctx, { schedulingStrategy: 'DAEMON', desiredCount: 2 })).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(awsMock.ecs.calls()).toHaveLength(0);

    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    oneInstance();
    awsMock.ecs.on(CreateServiceCommand).resolves({ service: live({ schedulingStrategy: 'DAEMON' }) });
    await createService(ctx, { schedulingStrategy: 'DAEMON' });
    const sent = awsMock.ecs.commandCalls(CreateServiceCommand)[0]!.args[0].input;
    expect(sent.schedulingStrategy).toBe('DAEMON');
    expect(sent).not.toHaveProperty('desiredCount');
    expect(sent.deploymentConfiguration).toEqual({ deploymentCircuitBreaker: { enable: true, rollback: true } });
  });

  it('never replaces a same-named ACTIVE service without the stack tag (moto would, silently)', async () => {
    const { ctx, state } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ tags: [{ key: 'team', value: 'other' }] })] });

    await expect(createService(ctx, {})).rejects.toBeInstanceOf(ForeignResourceError);
    expect(awsMock.ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { include: ['TAGS'] });
    expect(mutatingCalls()).toEqual([]);
    expect(state.saved).toHaveLength(0);
  });

  it('adopts its own ACTIVE service as unchanged, and says how to change what differs', async () => {
    const { ctx, report, state } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ events: [{ id: 'e1', message: 'old' }] })] });

    const result = await createService(ctx, { desiredCount: 4 });

    expect(result).toMatchObject({
      outcome: 'unchanged',
      service: { name: 'web', arn: ARN },
      rollout: { seenEventIds: ['e1'] },
    });
    expect(report.lines).toContain(
      'warn: service web already exists and was left as it is; to change it run `ecsctl service update --desired-count 4`',
    );
    expect(mutatingCalls()).toEqual([]);
    expect(state.current.service?.arn).toBe(ARN);
  });

  it('waits, bounded, for a container instance before creating, and times out with exit 4 and no service', async () => {
    const { ctx, report } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    awsMock.ecs.on(ListContainerInstancesCommand).resolves({ containerInstanceArns: [] });

    const error = await createService(ctx, { gateTimeoutMs: 30_000 }).then(
      () => undefined,
      (e: unknown) => e as WaitTimeoutError,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error?.message).toBe('timed out after 30s waiting for a container instance to register in cluster web');
    expect(error?.hint).toMatch(/ecsctl instances create/);
    expect(report.lines).toContainEqual(
      expect.stringMatching(
        /^step: waiting for a container instance to register in cluster web \(the ECS scheduler backs off for up to 15 min/,
      ),
    );
    expect(awsMock.ecs).not.toHaveReceivedCommand(CreateServiceCommand);
  });

  it('creates once the first container instance registers', async () => {
    const { ctx } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    awsMock.ecs
      .on(ListContainerInstancesCommand)
      .resolvesOnce({ containerInstanceArns: [] })
      .resolves({ containerInstanceArns: ['arn:ci/1'] });
    awsMock.ecs
      .on(DescribeContainerInstancesCommand)
      .resolves({ containerInstances: [{ status: 'ACTIVE', agentConnected: true }] });
    awsMock.ecs.on(CreateServiceCommand).resolves({ service: live() });

    await expect(createService(ctx, {})).resolves.toMatchObject({ outcome: 'created' });
  });

  it('runs the revision given with --taskdef, taking the load balancer container from it', async () => {
    const { ctx } = testContext(withTg);
    awsMock.ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'api:2' }).resolves({
      taskDefinition: {
        taskDefinitionArn: TD2,
        family: 'api',
        revision: 2,
        status: 'ACTIVE',
        containerDefinitions: [{ name: 'api', portMappings: [{ containerPort: 3000 }] }],
      },
    });
    awsMock.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: TG, LoadBalancerArns: [LB] }] });
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    oneInstance();
    awsMock.ecs.on(CreateServiceCommand).resolves({ service: live() });

    await createService(ctx, { taskDefinition: 'api:2' });
    expect(awsMock.ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      taskDefinition: TD2,
      loadBalancers: [{ targetGroupArn: TG, containerName: 'api', containerPort: 3000 }],
    });
  });

  it('refuses a target group that no load balancer forwards to yet (real ECS would)', async () => {
    const { ctx } = testContext(withTg);
    awsMock.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: TG, LoadBalancerArns: [] }] });
    await expect(createService(ctx, {})).rejects.toThrow('target group web-tg is not attached to a load balancer yet');
    expect(awsMock.ecs).not.toHaveReceivedCommand(CreateServiceCommand);
  });
});

describe('updateService', () => {
  it('makes no mutating call when nothing changes, and says unchanged', async () => {
    const { ctx } = testContext(withTg);
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        live({
          desiredCount: 4,
          healthCheckGracePeriodSeconds: 30,
          loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
        }),
      ],
    });
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: TD1, family: 'web', revision: 1, status: 'ACTIVE' } });

    const result = await updateService(ctx, { desiredCount: 4, taskDefinition: 'web:1', attachLb: true });

    expect(result).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(mutatingCalls()).toEqual([]);
  });

  it('attaches the recorded target group in place, with a grace period, in one UpdateService call', async () => {
    const { ctx } = testContext(withTg);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live()] });
    awsMock.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ TargetGroupArn: TG, LoadBalancerArns: [LB] }] });
    awsMock.ecs.on(UpdateServiceCommand).resolves({ service: live() });

    const result = await updateService(ctx, { attachLb: true });

    expect(awsMock.ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
    expect(awsMock.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'web',
      service: 'web',
      loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: 30,
    });
    expect(awsMock.ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
    expect(awsMock.ecs).not.toHaveReceivedCommand(CreateServiceCommand);
    expect(result.changes).toEqual(['target group none → web-tg (web:8080)', 'health check grace period 0s → 30s']);
  });

  it('scales and rolls to the latest ACTIVE revision, and puts back a circuit breaker that is off', async () => {
    const { ctx } = testContext(base);
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [live({ deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 } })] });
    awsMock.ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'web' })
      .resolves({ taskDefinition: { taskDefinitionArn: TD2, family: 'web', revision: 2, status: 'ACTIVE' } });
    awsMock.ecs
      .on(UpdateServiceCommand)
      .resolves({ service: live({ deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY' }] }) });

    const result = await updateService(ctx, { desiredCount: 4, taskDefinition: 'latest' });

    expect(awsMock.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      desiredCount: 4,
      taskDefinition: TD2,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      },
    });
    expect(result.changes).toEqual([
      'desired count 10 → 4',
      'task definition web:1 → web:2',
      'deployment circuit breaker off → on, with rollback',
    ]);
    expect(result.rollout?.deploymentId).toBe('ecs-svc/2');
  });

  it('refuses --health-check-grace for a service without a load balancer, with no mutating call', async () => {
    const { ctx } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live()] });
    await expect(updateService(ctx, { healthCheckGraceSeconds: 60 })).rejects.toBeInstanceOf(UsageError);
    expect(mutatingCalls()).toEqual([]);
  });

  it('refuses to change a service without the stack tag', async () => {
    const { ctx } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ tags: [] })] });
    await expect(updateService(ctx, { desiredCount: 1 })).rejects.toBeInstanceOf(ForeignResourceError);
    expect(awsMock.ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('says so when there is no service to update', async () => {
    const { ctx } = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ status: 'INACTIVE' })] });
    await expect(updateService(ctx, { desiredCount: 1 })).rejects.toThrow(OperationError);
  });
});

describe('deleteService', () => {
  it('scales to 0, deletes, waits until INACTIVE and removes the record', async () => {
    const { ctx, state } = testContext({ ...base, service: { name: 'web', arn: ARN } });
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [live()] })
      .resolvesOnce({ services: [live({ status: 'DRAINING', desiredCount: 0 })] })
      .resolvesOnce({ services: [live({ status: 'DRAINING', desiredCount: 0 })] })
      .resolves({ services: [live({ status: 'INACTIVE', desiredCount: 0 })] });
    awsMock.ecs.on(UpdateServiceCommand).resolves({ service: live({ desiredCount: 0 }) });
    awsMock.ecs.on(DeleteServiceCommand).resolves({ service: live({ status: 'DRAINING' }) });

    await expect(deleteService(ctx, {})).resolves.toMatchObject({ outcome: 'deleted' });
    expect(awsMock.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { desiredCount: 0 });
    expect(awsMock.ecs).toHaveReceivedCommandWith(DeleteServiceCommand, { cluster: 'web', service: 'web' });
    expect(state.current.service).toBeUndefined();
  });

  it('is tolerant of a service already gone, and never deletes one without the stack tag', async () => {
    const gone = testContext({ ...base, service: { name: 'web', arn: ARN } });
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: ARN, reason: 'MISSING' }] });
    await expect(deleteService(gone.ctx)).resolves.toMatchObject({ outcome: 'absent' });
    expect(gone.state.current.service).toBeUndefined();

    resetAwsMocks();
    const foreign = testContext(base);
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [live({ tags: [] })] });
    await expect(deleteService(foreign.ctx)).rejects.toBeInstanceOf(ForeignResourceError);
    expect(mutatingCalls()).toEqual([]);
  });
});

describe('showService', () => {
  it('shows counts, deployments, the latest events and target health with reason codes', async () => {
    const { ctx } = testContext({ ...base, service: { name: 'web', arn: ARN } });
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        live({
          runningCount: 7,
          pendingCount: 3,
          healthCheckGracePeriodSeconds: 30,
          loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
          deployments: [
            {
              id: 'ecs-svc/2',
              status: 'PRIMARY',
              taskDefinition: TD2,
              rolloutState: 'IN_PROGRESS',
              desiredCount: 10,
              runningCount: 7,
              pendingCount: 3,
              failedTasks: 0,
            },
          ],
          events: [
            { id: 'e1', createdAt: new Date('2025-01-01T12:00:00Z'), message: '(service web) has started 3 tasks' },
          ],
        }),
      ],
    });
    awsMock.elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-01', Port: 32768 }, TargetHealth: { State: 'healthy' } },
        {
          Target: { Id: 'i-02', Port: 32769 },
          TargetHealth: {
            State: 'unhealthy',
            Reason: 'Target.FailedHealthChecks',
            Description: 'Health checks failed',
          },
        },
      ],
    });

    const view = await showService(ctx);
    expect(view).toMatchObject({
      exists: true,
      desired: 10,
      running: 7,
      pending: 3,
      circuitBreaker: { enable: true, rollback: true },
    });
    const text = renderService(view);
    expect(text).toContain('PRIMARY  ecs-svc/2 web:2 rollout IN_PROGRESS: 7/10 running, 3 pending, 0 failed');
    expect(text).toContain('targets          2 registered: 1 healthy, 1 unhealthy');
    expect(text).toContain('i-02:32769 unhealthy Target.FailedHealthChecks (Health checks failed)');
    expect(text).toContain('load balancer    web-tg → web:8080, health check grace 30s');
  });
});
