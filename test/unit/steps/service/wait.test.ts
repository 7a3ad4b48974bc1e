/**
 * The rollout wait with scripted DescribeServices / DescribeTargetHealth / stopped-task answers
 * (moto never changes deployments and has no events) and an injected clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Deployment,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { OperationError, WaitTimeoutError } from '../../../../src/errors.js';
import { waitForRollout, type RolloutRef } from '../../../../src/steps/service/wait.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef';
const REF: RolloutRef = { cluster: 'web', service: 'web', deploymentId: 'ecs-svc/2', seenEventIds: ['old-1'] };

const dep = (o: Partial<Deployment> = {}): Deployment => ({
  id: 'ecs-svc/2',
  status: 'PRIMARY',
  taskDefinition: TD2,
  desiredCount: 10,
  runningCount: 0,
  pendingCount: 10,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  ...o,
});
const svc = (o: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  status: 'ACTIVE',
  desiredCount: 10,
  runningCount: 0,
  pendingCount: 10,
  taskDefinition: TD2,
  loadBalancers: [{ targetGroupArn: TG, containerName: 'web', containerPort: 8080 }],
  deployments: [dep()],
  events: [],
  ...o,
});
const targets = (...states: [string, string?][]): TargetHealthDescription[] =>
  states.map(([State, Reason], i) => ({
    Target: { Id: `i-0${i}`, Port: 32768 + i },
    TargetHealth: { State: State as 'healthy', ...(Reason ? { Reason: Reason as 'Target.FailedHealthChecks' } : {}) },
  }));
const event = (id: string, seconds: number, message: string) => ({
  id,
  createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, seconds)),
  message,
});

beforeEach(() => resetAwsMocks());

async function rejection<T = Error>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (e) {
    return e as T;
  }
  throw new Error('expected the wait to fail');
}

describe('waitForRollout', () => {
  it('finishes when the deployment is COMPLETED, running equals desired, one deployment and every target is healthy', async () => {
    const { ctx, report, sleeps } = testContext();
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [
          svc({
            runningCount: 3,
            events: [event('old-1', 0, 'an event from before'), event('e1', 5, '(service web) has started 10 tasks')],
          }),
        ],
      })
      .resolvesOnce({
        services: [
          svc({
            runningCount: 7,
            deployments: [dep({ runningCount: 7 })],
            events: [event('e1', 5, '(service web) has started 10 tasks')],
          }),
        ],
      })
      .resolves({
        services: [
          svc({
            runningCount: 10,
            pendingCount: 0,
            deployments: [dep({ runningCount: 10, rolloutState: 'COMPLETED' })],
            events: [
              event('e2', 40, '(service web) has reached a steady state.'),
              event('e1', 5, '(service web) has started 10 tasks'),
            ],
          }),
        ],
      });
    awsMock.elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce({ TargetHealthDescriptions: targets(['initial', 'Elb.RegistrationInProgress']) })
      .resolvesOnce({ TargetHealthDescriptions: targets(['healthy'], ['initial', 'Elb.InitialHealthChecking']) })
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['healthy']) });

    const status = await waitForRollout(ctx, REF);

    expect(status).toMatchObject({ desired: 10, running: 10, rolloutState: 'COMPLETED', deployments: 1 });
    expect(status.line).toBe('10/10 running, 2/10 healthy, rollout COMPLETED');
    expect(sleeps).toEqual([250, 500]);
    // Old events are never printed; each new one exactly once, oldest first.
    expect(report.lines.filter((l) => l.startsWith('event:'))).toEqual([
      'event: (service web) has started 10 tasks',
      'event: (service web) has reached a steady state.',
    ]);
    expect(report.lines).toContain(
      '  waiting for service web to finish its rollout: 7/10 running, 1/10 healthy, 1 initial (Elb.InitialHealthChecking), rollout IN_PROGRESS',
    );
    expect(awsMock.ecs).not.toHaveReceivedCommand(ListTasksCommand);
  });

  it('reports a circuit-breaker rollback as a failure naming the reason, though ServicesStable would call it success', async () => {
    const { ctx } = testContext();
    const stopped: Task[] = [1, 2, 3].map((n) => ({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/web/t${n}`,
      startedBy: 'ecs-svc/2',
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      stoppedAt: new Date(n * 1000),
      containers: [{ name: 'web', exitCode: 1 }],
    }));
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({
        services: [
          svc({
            runningCount: 5,
            deployments: [
              dep(),
              dep({
                id: 'ecs-svc/1',
                status: 'ACTIVE',
                taskDefinition: TD1,
                runningCount: 5,
                rolloutState: 'COMPLETED',
              }),
            ],
          }),
        ],
      })
      .resolves({
        services: [
          svc({
            runningCount: 10,
            pendingCount: 0,
            deployments: [
              dep({
                id: 'ecs-svc/3',
                status: 'PRIMARY',
                taskDefinition: TD1,
                rolloutState: 'IN_PROGRESS',
                runningCount: 10,
              }),
              dep({
                status: 'ACTIVE',
                rolloutState: 'FAILED',
                failedTasks: 3,
                rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
              }),
            ],
            events: [
              event('e9', 50, '(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start.'),
              event('e10', 51, '(service web) rolling back to deployment ecs-svc/3.'),
            ],
          }),
        ],
      });
    awsMock.elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets(['healthy']) });
    awsMock.ecs
      .on(ListTasksCommand, { desiredStatus: 'STOPPED' })
      .resolves({ taskArns: stopped.map((t) => t.taskArn!) });
    awsMock.ecs.on(DescribeTasksCommand).resolves({ tasks: stopped });

    const error = await rejection<OperationError>(waitForRollout(ctx, REF));

    expect(error).toBeInstanceOf(OperationError);
    expect(error.exitCode).toBe(1);
    const message = error.message;
    expect(message).toContain(
      'deployment ecs-svc/2 (web:2) FAILED: ECS deployment circuit breaker: tasks failed to start',
    );
    expect(message).toContain('the circuit breaker is rolling back to web:1');
    expect(message).toContain('stopped tasks: Essential container in task exited (web: exit code 1) [3 tasks]');
    expect(message).toContain('rolling back to deployment ecs-svc/3');
  });

  it('calls a rollback that already finished a failure: one PRIMARY COMPLETED deployment, running == desired, but not ours', async () => {
    const { ctx } = testContext();
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        svc({
          runningCount: 10,
          pendingCount: 0,
          deployments: [dep({ id: 'ecs-svc/3', taskDefinition: TD1, runningCount: 10, rolloutState: 'COMPLETED' })],
        }),
      ],
    });
    awsMock.elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets(['healthy']) });
    awsMock.ecs.on(ListTasksCommand).resolves({ taskArns: [] });

    await expect(waitForRollout(ctx, REF)).rejects.toThrow(
      /deployment ecs-svc\/2 is gone; deployment ecs-svc\/3 \(web:1\) replaced it: rolled back by the circuit breaker/,
    );
  });

  it('prints why tasks stop as they stop (CannotPullContainerError) and names it when the rollout fails', async () => {
    const { ctx, report } = testContext();
    const pull =
      'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v9: not found';
    const task = (n: number): Task => ({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/web/p${n}`,
      startedBy: 'ecs-svc/2',
      stoppedReason: pull,
      stopCode: 'TaskFailedToStart',
      containers: [{ name: 'web', reason: pull }],
    });
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce({ services: [svc({ deployments: [dep({ failedTasks: 1 })] })] })
      .resolvesOnce({ services: [svc({ deployments: [dep({ failedTasks: 2 })] })] })
      .resolves({
        services: [
          svc({
            deployments: [
              dep({
                failedTasks: 3,
                rolloutState: 'FAILED',
                rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
              }),
            ],
          }),
        ],
      });
    awsMock.elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    awsMock.ecs
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: [task(1).taskArn!] })
      .resolvesOnce({ taskArns: [task(1).taskArn!, task(2).taskArn!] })
      .resolves({ taskArns: [task(1).taskArn!, task(2).taskArn!, task(3).taskArn!] });
    awsMock.ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [task(1)] })
      .resolvesOnce({ tasks: [task(1), task(2)] })
      .resolves({ tasks: [task(1), task(2), task(3)] });

    const error = await rejection<OperationError>(waitForRollout(ctx, REF));

    // Each stopped task is reported once, while waiting.
    expect(report.lines.filter((l) => l.startsWith('task stopped:'))).toEqual(
      [1, 2, 3].map(() => `task stopped: ${pull}`),
    );
    expect(report.lines).toContain(
      '  waiting for service web to finish its rollout: 0/10 running, 0/10 healthy, rollout IN_PROGRESS, 2 tasks failed',
    );
    expect(error).toBeInstanceOf(OperationError);
    expect(error.message).toContain(`stopped tasks: ${pull} [3 tasks]`);
  });

  it('keeps waiting while a target is unhealthy (Target.FailedHealthChecks) although ECS says COMPLETED', async () => {
    const { ctx, report } = testContext();
    const completed = svc({
      runningCount: 10,
      pendingCount: 0,
      deployments: [dep({ runningCount: 10, rolloutState: 'COMPLETED' })],
    });
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [completed] });
    awsMock.elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce({
        TargetHealthDescriptions: targets(
          ['healthy'],
          ['unhealthy', 'Target.FailedHealthChecks'],
          ['unhealthy', 'Target.FailedHealthChecks'],
          ['draining', 'Target.DeregistrationInProgress'],
        ),
      })
      .resolves({
        TargetHealthDescriptions: targets(
          ['healthy'],
          ['healthy'],
          ['healthy'],
          ['draining', 'Target.DeregistrationInProgress'],
        ),
      });

    const status = await waitForRollout(ctx, REF);

    expect(report.lines).toContain(
      '  waiting for service web to finish its rollout: 10/10 running, 1/10 healthy, 2 unhealthy (Target.FailedHealthChecks), 1 draining, rollout COMPLETED',
    );
    // Draining targets do not hold the wait (their deregistration delay is 300 s by default).
    expect(status.line).toBe('10/10 running, 3/10 healthy, 1 draining, rollout COMPLETED');
  });

  it('times out with exit 4 after --wait-timeout, saying where the rollout is stuck', async () => {
    const { ctx, sleeps } = testContext();
    awsMock.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [svc({ runningCount: 7, deployments: [dep({ runningCount: 7 })] })] });
    awsMock.elb
      .on(DescribeTargetHealthCommand)
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['unhealthy', 'Target.FailedHealthChecks']) });
    awsMock.ecs.on(ListTasksCommand).resolves({ taskArns: [] });

    const error = await rejection<WaitTimeoutError>(waitForRollout(ctx, REF, { timeoutMs: 60_000 }));

    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(
      'timed out after 1m 00s waiting for service web to finish its rollout: 7/10 running, 1/10 healthy, 1 unhealthy (Target.FailedHealthChecks), rollout IN_PROGRESS',
    );
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(sleeps.slice(0, 4)).toEqual([250, 500, 1_000, 2_000]);
    expect(sleeps.slice(-6, -1)).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]); // the 2 s cap, once the usual 15 s are up
  });

  it('without a load balancer, does not read target health and needs no healthy target', async () => {
    const { ctx } = testContext();
    awsMock.ecs.on(DescribeServicesCommand).resolves({
      services: [
        svc({
          loadBalancers: [],
          runningCount: 10,
          pendingCount: 0,
          deployments: [dep({ runningCount: 10, rolloutState: 'COMPLETED' })],
        }),
      ],
    });

    const status = await waitForRollout(ctx, REF);
    expect(status.line).toBe('10/10 running, rollout COMPLETED');
    expect(awsMock.elb).not.toHaveReceivedCommand(DescribeTargetHealthCommand);
  });

  it('fails at once if the service is deleted while waiting', async () => {
    const { ctx } = testContext();
    awsMock.ecs.on(DescribeServicesCommand).resolves({ services: [svc({ status: 'DRAINING' })] });
    await expect(waitForRollout(ctx, REF)).rejects.toThrow(
      'ECS service web became DRAINING while waiting for its rollout',
    );
  });
});
