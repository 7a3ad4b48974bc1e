/**
 * `service update`: one UpdateService with only what differs from the live service, or nothing at
 * all ("unchanged"); attaching the target group happens here, in place.
 */
import {
  UpdateServiceCommand,
  type LoadBalancer,
  type Service,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { describeChange, fieldChange, shown, type FieldChange } from '../changes.js';
import { asOperationError } from '../../aws/errors.js';
import { missingStep, UsageError } from '../../errors.js';
import { type StepContext } from '../context.js';
import {
  assertTargetGroupInUse,
  deploymentConfiguration,
  hasCircuitBreaker,
  loadBalancerFor,
  sameLoadBalancers,
} from './config.js';
import { resolveTaskDefinition, shortTaskDefinition } from '../taskdef/resolve.js';
import { DEFAULT_GRACE_SECONDS, eventIds, ownedService, rolloutFrom, type ServiceResult } from './service.js';

export interface UpdateServiceInput {
  readonly desiredCount?: number;
  /** "family:rev", an ARN, or "latest" (latest ACTIVE revision of the recorded family). */
  readonly taskDefinition?: string;
  /** Attach the recorded target group in place. */
  readonly attachLb?: boolean;
  readonly healthCheckGraceSeconds?: number;
}

/** What an update is asked for, resolved: the revision's ARN, the wanted loadBalancers block. */
export interface ServiceWanted {
  readonly desiredCount?: number;
  readonly taskDefinitionArn?: string;
  readonly loadBalancers?: LoadBalancer[];
  /** The recorded target group's name, for the change's words. */
  readonly targetGroupName?: string;
  readonly healthCheckGraceSeconds?: number;
}

/**
 * The UpdateService fields that differ from the live service, and each change in words. Pure:
 * `updateService` sends exactly this request, and `up --dry-run` prints exactly these changes.
 */
export function serviceUpdate(
  live: Service,
  want: ServiceWanted,
): { request: Omit<UpdateServiceCommandInput, 'service'>; changes: FieldChange[] } {
  const name = live.serviceName!;
  const request: Omit<UpdateServiceCommandInput, 'service'> = {};
  const changes: FieldChange[] = [];
  if (want.desiredCount !== undefined && want.desiredCount !== live.desiredCount) {
    if (live.schedulingStrategy === 'DAEMON')
      throw new UsageError(
        `service ${name} is a DAEMON service (one task per instance): --desired-count does not apply`,
      );
    request.desiredCount = want.desiredCount;
    changes.push(...fieldChange('desired count', live.desiredCount, want.desiredCount));
  }
  if (want.taskDefinitionArn && want.taskDefinitionArn !== live.taskDefinition) {
    request.taskDefinition = want.taskDefinitionArn;
    changes.push(
      ...fieldChange(
        'task definition',
        shortTaskDefinition(live.taskDefinition),
        shortTaskDefinition(want.taskDefinitionArn),
      ),
    );
  }
  const hasLb = (live.loadBalancers ?? []).length > 0;
  if (want.loadBalancers && !sameLoadBalancers(live.loadBalancers, want.loadBalancers)) {
    request.loadBalancers = want.loadBalancers;
    // The recorded group by its name; any other (someone else's attachment) by its ARN.
    const ours = want.loadBalancers[0]?.targetGroupArn;
    const target = (lbs: readonly LoadBalancer[] | undefined) =>
      (lbs ?? []).map(
        (lb) =>
          `${lb.targetGroupArn === ours ? (want.targetGroupName ?? ours) : lb.targetGroupArn} (${lb.containerName}:${lb.containerPort})`,
      );
    changes.push({
      field: 'target group',
      old: shown(target(live.loadBalancers)),
      new: shown(target(want.loadBalancers)),
    });
  }
  const willHaveLb = hasLb || request.loadBalancers !== undefined;
  if (want.healthCheckGraceSeconds !== undefined && !willHaveLb) {
    throw new UsageError(
      `--health-check-grace applies only to a service with a load balancer; service ${name} has none (add --attach-lb)`,
    );
  }
  const grace = want.healthCheckGraceSeconds ?? (request.loadBalancers ? DEFAULT_GRACE_SECONDS : undefined);
  if (willHaveLb && grace !== undefined && grace !== (live.healthCheckGracePeriodSeconds ?? 0)) {
    request.healthCheckGracePeriodSeconds = grace;
    changes.push(
      ...fieldChange('health check grace period', `${live.healthCheckGracePeriodSeconds ?? 0}s`, `${grace}s`),
    );
  }
  if (!hasCircuitBreaker(live)) {
    // Someone turned it off, or the endpoint dropped it on create (moto does): put it back,
    // keeping every other live setting (percentages, alarms) over ecsctl's defaults.
    const strategy = live.schedulingStrategy === 'DAEMON' ? 'DAEMON' : 'REPLICA';
    const wanted = deploymentConfiguration(strategy);
    request.deploymentConfiguration = {
      ...wanted,
      ...live.deploymentConfiguration,
      deploymentCircuitBreaker: wanted.deploymentCircuitBreaker,
    };
    changes.push({ field: 'deployment circuit breaker', old: 'off', new: 'on, with rollback' });
  }
  return { request, changes };
}

/** The wanted state of the service for these inputs: the revision resolved, the LB block built. */
export async function serviceWanted(
  ctx: StepContext,
  live: Service,
  input: UpdateServiceInput,
): Promise<ServiceWanted> {
  const state = ctx.state.current;
  let taskDefinitionArn: string | undefined;
  if (input.taskDefinition) {
    const family = state.taskDefinition?.family ?? shortTaskDefinition(live.taskDefinition).split(':')[0]!;
    taskDefinitionArn = (await resolveTaskDefinition(ctx.aws.ecs, input.taskDefinition, family)).arn;
  }
  let loadBalancers: LoadBalancer[] | undefined;
  if (input.attachLb) {
    const td = state.taskDefinition;
    if (!td) throw missingStep('task definition', 'taskdef register');
    loadBalancers = [loadBalancerFor(state, td)];
  }
  return {
    desiredCount: input.desiredCount,
    taskDefinitionArn,
    loadBalancers,
    targetGroupName: state.targetGroup?.name,
    healthCheckGraceSeconds: input.healthCheckGraceSeconds,
  };
}

/**
 * Scales, rolls to another revision, attaches the recorded target group, and restores the
 * circuit breaker if it is off — all in one UpdateService call, and only for what differs from
 * the live service. Nothing to change: no mutating call, outcome `unchanged`.
 */
export async function updateService(ctx: StepContext, input: UpdateServiceInput): Promise<ServiceResult> {
  const { cluster, live } = await ownedService(ctx);
  const name = live.serviceName!;
  const planned = serviceUpdate(live, await serviceWanted(ctx, live, input));
  if (planned.request.loadBalancers) await assertTargetGroupInUse(ctx, ctx.state.current.targetGroup!);
  const changes = planned.changes.map(describeChange);

  const record = { name, arn: live.serviceArn! };
  if (ctx.state.current.service?.arn !== record.arn) await ctx.state.record({ service: record });
  if (changes.length === 0)
    return { outcome: 'unchanged', service: record, changes, rollout: rolloutFrom(cluster, live, eventIds(live)) };

  let updated: Service;
  try {
    updated = (await ctx.aws.ecs.send(new UpdateServiceCommand({ ...planned.request, cluster, service: name })))
      .service!;
  } catch (e) {
    throw asOperationError(`update ECS service ${name}`, e);
  }
  return { outcome: 'updated', service: record, changes, rollout: rolloutFrom(cluster, updated, eventIds(live)) };
}
