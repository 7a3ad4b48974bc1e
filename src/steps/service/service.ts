/**
 * The ECS service (walkthrough: `aws ecs create-service` / `update-service` / `delete-service`).
 * Unlike the walkthrough, a load balancer is attached to the running service in place with
 * UpdateService (allowed for rolling-update services since 2022) instead of deleting and
 * re-creating it, and `role` is never passed: ECS uses its service-linked role.
 */
import {
  CreateServiceCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type LoadBalancer,
  type Service,
} from '@aws-sdk/client-ecs';
import { asOperationError } from '../../aws/errors.js';
import { ECS_SERVICE_LINKED_ROLE } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { assertOwned, ecsTags } from '../../aws/tags.js';
import { missingStep, OperationError, UsageError } from '../../errors.js';
import { pollUntil, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import {
  assertTargetGroupInUse,
  deploymentConfiguration,
  findService,
  hasCircuitBreaker,
  isLive,
  loadBalancerFor,
  sameLoadBalancers,
  type SchedulingStrategy,
  type ServiceRecord,
} from './config.js';
import { resolveTaskDefinition, shortTaskDefinition } from '../taskdef/resolve.js';
import { waitForContainerInstance } from '../cluster/container-instances.js';
import { clockOf } from '../context.js';
import { eventKey, type RolloutRef } from './wait.js';
import { capacityProviderStrategy } from '../capacity/mode.js';

export type ServiceOutcome = Outcome | 'updated';

export interface ServiceResult {
  readonly outcome: ServiceOutcome;
  readonly service?: ServiceRecord;
  /** What an update changed, in words ("desired count 10 → 4"). */
  readonly changes?: string[];
  /** Where the rollout wait starts from; absent after a delete. */
  readonly rollout?: RolloutRef;
}

export interface CreateServiceInput {
  /** Default: the recorded service name, else the stack name. */
  readonly name?: string;
  /** REPLICA only; default 10 (the walkthrough's). */
  readonly desiredCount?: number;
  /** "family:rev" or an ARN; default: the recorded task definition. */
  readonly taskDefinition?: string;
  /** false: do not attach the recorded target group (--no-lb). */
  readonly loadBalancer?: boolean;
  readonly schedulingStrategy?: SchedulingStrategy;
  readonly healthCheckGraceSeconds?: number;
  /** Bound on waiting for a container instance (and for a DRAINING namesake to go). */
  readonly gateTimeoutMs?: number;
}

export const DEFAULT_DESIRED_COUNT = 10;
export const DEFAULT_GRACE_SECONDS = 30;

/**
 * Creates the service unless this stack's service of that name is already ACTIVE (then it is
 * recorded and reported `unchanged`; `service update` changes it). Guarantees: a same-named
 * service without the stack's tag is never replaced (moto would silently replace it); creation
 * waits, bounded, for a registered container instance; the ARN is recorded as soon as
 * CreateService returns.
 */
export async function createService(ctx: StepContext, input: CreateServiceInput = {}): Promise<ServiceResult> {
  const stack = stackOf(ctx);
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const strategy = input.schedulingStrategy ?? 'REPLICA';
  if (strategy === 'DAEMON' && input.desiredCount !== undefined) {
    throw new UsageError(
      '--desired-count does not apply to --scheduling-strategy DAEMON (one task per container instance)',
    );
  }
  const name = input.name ?? state.service?.name ?? stack;
  const td = input.taskDefinition
    ? await resolveTaskDefinition(ctx.aws.ecs, input.taskDefinition, state.taskDefinition?.family ?? stack)
    : state.taskDefinition;
  if (!td) throw missingStep('task definition', 'taskdef register');

  const loadBalancers: LoadBalancer[] = [];
  if (input.loadBalancer !== false && state.targetGroup) {
    if (!td.containerName || td.containerPort === undefined) {
      throw new OperationError(
        `task definition ${shortTaskDefinition(td.arn)} has no container with a port mapping for the load balancer`,
      );
    }
    await assertTargetGroupInUse(ctx, state.targetGroup);
    loadBalancers.push(loadBalancerFor(state, { containerName: td.containerName, containerPort: td.containerPort }));
  } else if (input.loadBalancer !== false) {
    ctx.report.info(
      'no target group recorded: creating the service without a load balancer (attach one later with `ecsctl service update --attach-lb`)',
    );
  }

  const gateTimeoutMs = input.gateTimeoutMs ?? 600_000;
  let found = await findService(ctx.aws.ecs, cluster, name);
  if (found && isLive(found.service)) {
    assertOwned('ECS service', name, found.tags, stack);
    if (found.service.status === 'DRAINING') {
      await waitUntilInactive(ctx, cluster, name, gateTimeoutMs);
      found = undefined;
    } else {
      return adopt(ctx, cluster, found.service, {
        strategy,
        desiredCount: input.desiredCount,
        taskDefinitionArn: td.arn,
        loadBalancers,
      });
    }
  }

  await waitForContainerInstance(ctx, cluster, gateTimeoutMs);
  // asg mode: the stack's capacity provider (no launch type), so ECS scales the group to the
  // tasks; otherwise the walkthrough's fixed instances with launch type EC2.
  const providers = capacityProviderStrategy(ctx.state.current);
  const request: CreateServiceCommandInput = {
    cluster,
    serviceName: name,
    taskDefinition: td.arn,
    ...(providers ? { capacityProviderStrategy: providers } : { launchType: 'EC2' }),
    schedulingStrategy: strategy,
    ...(strategy === 'REPLICA' ? { desiredCount: input.desiredCount ?? DEFAULT_DESIRED_COUNT } : {}),
    deploymentConfiguration: deploymentConfiguration(strategy),
    // Spread over zones, then instances: ten tasks on two instances land five and five.
    ...(strategy === 'REPLICA'
      ? {
          placementStrategy: [
            { type: 'spread', field: 'attribute:ecs.availability-zone' },
            { type: 'spread', field: 'instanceId' },
          ],
        }
      : {}),
    ...(loadBalancers.length > 0
      ? { loadBalancers, healthCheckGracePeriodSeconds: input.healthCheckGraceSeconds ?? DEFAULT_GRACE_SECONDS }
      : {}),
    tags: ecsTags(stack),
    propagateTags: 'SERVICE',
    enableECSManagedTags: true,
    // No `role`: with the ECS service-linked role in the account, passing one is at best
    // redundant and, for awsvpc tasks or several target groups, an error.
  };
  let created: Service;
  try {
    // Safe to repeat: a refused CreateService created nothing (the role is checked first).
    created = (await retryOn(ctx, ECS_SERVICE_LINKED_ROLE, () => ctx.aws.ecs.send(new CreateServiceCommand(request))))
      .service!;
  } catch (e) {
    throw asOperationError(`create ECS service ${name}`, e);
  }
  const record = { name, arn: created.serviceArn! };
  await ctx.state.record({ service: record });
  if (!hasCircuitBreaker(created)) {
    // Some endpoints (moto among them) drop deploymentConfiguration on create; set it again so
    // the rollout is guarded and a rerun does not find it "changed".
    ctx.report.info('the endpoint did not keep the deployment circuit breaker; setting it with UpdateService');
    try {
      await ctx.aws.ecs.send(
        new UpdateServiceCommand({
          cluster,
          service: name,
          deploymentConfiguration: deploymentConfiguration(strategy),
        }),
      );
    } catch (e) {
      throw asOperationError(`turn on the circuit breaker of ECS service ${name}`, e);
    }
  }
  return {
    outcome: state.service ? 'recreated' : 'created',
    service: record,
    rollout: rolloutFrom(cluster, created, []),
  };
}

async function adopt(
  ctx: StepContext,
  cluster: string,
  live: Service,
  wanted: {
    strategy: SchedulingStrategy;
    desiredCount?: number;
    taskDefinitionArn: string;
    loadBalancers: LoadBalancer[];
  },
): Promise<ServiceResult> {
  const record = { name: live.serviceName!, arn: live.serviceArn! };
  if (ctx.state.current.service?.arn !== record.arn) await ctx.state.record({ service: record });
  const differs: string[] = [];
  if (wanted.desiredCount !== undefined && wanted.desiredCount !== live.desiredCount)
    differs.push(`--desired-count ${wanted.desiredCount}`);
  if (wanted.taskDefinitionArn !== live.taskDefinition)
    differs.push(`--taskdef ${shortTaskDefinition(wanted.taskDefinitionArn)}`);
  if (wanted.loadBalancers.length > 0 && !sameLoadBalancers(live.loadBalancers, wanted.loadBalancers))
    differs.push('--attach-lb');
  if (differs.length > 0) {
    ctx.report.warn(
      `service ${record.name} already exists and was left as it is; to change it run \`ecsctl service update ${differs.join(' ')}\``,
    );
  }
  return { outcome: 'unchanged', service: record, rollout: rolloutFrom(cluster, live, eventIds(live)) };
}

export async function waitUntilInactive(
  ctx: StepContext,
  cluster: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const read = async () => (await findService(ctx.aws.ecs, cluster, name))?.service;
  const first = await read();
  if (!isLive(first)) return;
  await ctx.report.step(`waiting for service ${name} to drain and become INACTIVE`, (update) =>
    pollUntil({
      ...clockOf(ctx),
      what: `service ${name} to become INACTIVE`,
      read,
      done: (s) => !isLive(s),
      onPoll: (s) => update(`${s?.status ?? 'gone'}, ${s?.runningCount ?? 0} running`),
      schedule: WAITS.serviceInactive,
      timeoutMs,
      hint: "Its tasks drain for the target group's deregistration delay (300 s unless lowered); run `ecsctl service delete` again to keep waiting",
    }),
  );
}

/** The recorded (or stack-named) service, which must exist, be ACTIVE and carry the stack's tag. */
export async function ownedService(ctx: StepContext): Promise<{ cluster: string; live: Service }> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const name = state.service?.name ?? stackOf(ctx);
  const found = await findService(ctx.aws.ecs, cluster, name);
  if (!found || found.service.status !== 'ACTIVE') {
    throw new OperationError(
      `ECS service ${name} ${found ? `is ${found.service.status}` : 'does not exist'} in cluster ${cluster}`,
      {
        hint: 'Run `ecsctl service create` first.',
      },
    );
  }
  assertOwned('ECS service', name, found.tags, stackOf(ctx));
  return { cluster, live: found.service };
}

export const eventIds = (s: Service): string[] => (s.events ?? []).map(eventKey);

export function rolloutFrom(cluster: string, s: Service, seenEventIds: string[]): RolloutRef {
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  return { cluster, service: s.serviceName!, deploymentId: primary?.id, seenEventIds };
}
