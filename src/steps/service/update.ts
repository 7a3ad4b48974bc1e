/**
 * `service update`: one UpdateService with only what differs from the live service, or nothing at
 * all ("unchanged"); attaching the target group happens here, in place.
 */
import { UpdateServiceCommand, type Service, type UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
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

/**
 * Scales, rolls to another revision, attaches the recorded target group, and restores the
 * circuit breaker if it is off — all in one UpdateService call, and only for what differs from
 * the live service. Nothing to change: no mutating call, outcome `unchanged`.
 */
export async function updateService(ctx: StepContext, input: UpdateServiceInput): Promise<ServiceResult> {
  const { cluster, live } = await ownedService(ctx);
  const state = ctx.state.current;
  const name = live.serviceName!;
  const request: UpdateServiceCommandInput = { cluster, service: name };
  const changes: string[] = [];

  if (input.desiredCount !== undefined && input.desiredCount !== live.desiredCount) {
    if (live.schedulingStrategy === 'DAEMON')
      throw new UsageError(
        `service ${name} is a DAEMON service (one task per instance): --desired-count does not apply`,
      );
    request.desiredCount = input.desiredCount;
    changes.push(`desired count ${live.desiredCount} → ${input.desiredCount}`);
  }
  if (input.taskDefinition) {
    const family = state.taskDefinition?.family ?? shortTaskDefinition(live.taskDefinition).split(':')[0]!;
    const td = await resolveTaskDefinition(ctx.aws.ecs, input.taskDefinition, family);
    if (td.arn !== live.taskDefinition) {
      request.taskDefinition = td.arn;
      changes.push(`task definition ${shortTaskDefinition(live.taskDefinition)} → ${shortTaskDefinition(td.arn)}`);
    }
  }
  const hasLb = (live.loadBalancers ?? []).length > 0;
  if (input.attachLb) {
    const td = state.taskDefinition;
    if (!td) throw missingStep('task definition', 'taskdef register');
    const wanted = [loadBalancerFor(state, td)];
    if (!sameLoadBalancers(live.loadBalancers, wanted)) {
      await assertTargetGroupInUse(ctx, state.targetGroup!);
      request.loadBalancers = wanted;
      changes.push(`attach target group ${state.targetGroup!.name} (${td.containerName}:${td.containerPort})`);
    }
  }
  const willHaveLb = hasLb || request.loadBalancers !== undefined;
  if (input.healthCheckGraceSeconds !== undefined && !willHaveLb) {
    throw new UsageError(
      `--health-check-grace applies only to a service with a load balancer; service ${name} has none (add --attach-lb)`,
    );
  }
  const grace = input.healthCheckGraceSeconds ?? (request.loadBalancers ? DEFAULT_GRACE_SECONDS : undefined);
  if (willHaveLb && grace !== undefined && grace !== (live.healthCheckGracePeriodSeconds ?? 0)) {
    request.healthCheckGracePeriodSeconds = grace;
    changes.push(`health check grace period ${live.healthCheckGracePeriodSeconds ?? 0}s → ${grace}s`);
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
    changes.push('deployment circuit breaker on, with rollback');
  }

  const record = { name, arn: live.serviceArn! };
  if (ctx.state.current.service?.arn !== record.arn) await ctx.state.record({ service: record });
  if (changes.length === 0)
    return { outcome: 'unchanged', service: record, changes, rollout: rolloutFrom(cluster, live, eventIds(live)) };

  let updated: Service;
  try {
    updated = (await ctx.aws.ecs.send(new UpdateServiceCommand(request))).service!;
  } catch (e) {
    throw asOperationError(`update ECS service ${name}`, e);
  }
  return { outcome: 'updated', service: record, changes, rollout: rolloutFrom(cluster, updated, eventIds(live)) };
}
