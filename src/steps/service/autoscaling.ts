/**
 * Service auto scaling (Application Auto Scaling): a scalable target on the service's desired
 * count (`service/<cluster>/<service>`, `ecs:service:DesiredCount`) and target-tracking policies
 * on average CPU and on ALB requests per target. Once the target exists the autoscaler owns the
 * desired count: `up` and `service update` stop sending one, so a rerun never undoes a scale-out
 * (terraform-aws-ecs#346).
 */
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
  type ScalingPolicy,
} from '@aws-sdk/client-application-auto-scaling';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, STACK_TAG } from '../../aws/tags.js';
import { missingStep, OperationError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import {
  checkAutoScalingSettings,
  describePolicy,
  NAMESPACE,
  policyNames,
  SCALABLE_DIMENSION,
  samePolicy,
  scalableResourceId,
  wantedPolicies,
  type AutoScalingSettings,
} from './autoscaling-policy.js';
import { findService } from './config.js';

export type AutoScalingRecord = NonNullable<State['autoScaling']>;

export interface AutoScalingResult {
  readonly outcome: Outcome | 'updated';
  readonly changes: string[];
  readonly autoScaling?: AutoScalingRecord;
}

/** What `service show` and `service autoscale` report. */
export interface AutoScalingView {
  readonly resourceId: string;
  readonly min: number;
  readonly max: number;
  readonly policies: { readonly name: string; readonly metric: string; readonly target: number }[];
}

/** The service's scalable target and its scaling policies, or undefined when it has none. */
export async function findAutoScaling(
  ctx: StepContext,
  resourceId: string,
): Promise<{ target: ScalableTarget; policies: ScalingPolicy[] } | undefined> {
  const aas = ctx.aws.appscaling;
  try {
    const targets = await aas.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: NAMESPACE,
        ResourceIds: [resourceId],
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
    const target = targets.ScalableTargets?.find((t) => t.ResourceId === resourceId);
    if (!target) return undefined;
    const policies: ScalingPolicy[] = [];
    let NextToken: string | undefined;
    do {
      const out = await aas.send(
        new DescribeScalingPoliciesCommand({
          ServiceNamespace: NAMESPACE,
          ResourceId: resourceId,
          ScalableDimension: SCALABLE_DIMENSION,
          NextToken,
        }),
      );
      policies.push(...(out.ScalingPolicies ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return { target, policies };
  } catch (e) {
    throw asOperationError(`describe auto scaling of ${resourceId}`, e);
  }
}

export function toView(found: { target: ScalableTarget; policies: ScalingPolicy[] }): AutoScalingView {
  return {
    resourceId: found.target.ResourceId!,
    min: found.target.MinCapacity ?? 0,
    max: found.target.MaxCapacity ?? 0,
    policies: found.policies.map((p) => ({
      name: p.PolicyName!,
      metric: p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType ?? '-',
      target: p.TargetTrackingScalingPolicyConfiguration?.TargetValue ?? 0,
    })),
  };
}

/** The recorded (or stack-named) service, which must be ACTIVE and this stack's. */
async function ownedServiceName(ctx: StepContext): Promise<{ cluster: string; service: string }> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const service = state.service?.name ?? stackOf(ctx);
  const found = await findService(ctx.aws.ecs, cluster, service);
  if (!found || found.service.status !== 'ACTIVE')
    throw new OperationError(`ECS service ${service} does not exist in cluster ${cluster}`, {
      hint: 'Run `ecsctl service create` (or `ecsctl up`) first.',
    });
  assertOwned('ECS service', service, found.tags, stackOf(ctx));
  return { cluster, service };
}

/**
 * Registers the scalable target (or changes its min/max) and puts the wanted target-tracking
 * policies, deleting ecsctl's policies no longer wanted. Each is recorded as soon as it exists.
 * Converged: two Describe calls, nothing else.
 */
export async function ensureAutoScaling(ctx: StepContext, settings: AutoScalingSettings): Promise<AutoScalingResult> {
  const s = checkAutoScalingSettings(settings);
  const state = ctx.state.current;
  const { cluster, service } = await ownedServiceName(ctx);
  const resourceId = scalableResourceId(cluster, service);
  const wanted = wantedPolicies(state, service, resourceId, s);
  const aas = ctx.aws.appscaling;
  const found = await findAutoScaling(ctx, resourceId);
  const changes: string[] = [];
  let arn = found?.target.ScalableTargetARN ?? state.autoScaling?.arn;
  if (!found || found.target.MinCapacity !== s.min || found.target.MaxCapacity !== s.max) {
    try {
      const out = await aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: NAMESPACE,
          ResourceId: resourceId,
          ScalableDimension: SCALABLE_DIMENSION,
          MinCapacity: s.min,
          MaxCapacity: s.max,
          ...(found ? {} : { Tags: { [STACK_TAG]: stackOf(ctx) } }),
        }),
      );
      arn = out.ScalableTargetARN ?? arn;
    } catch (e) {
      throw asOperationError(`register the scalable target ${resourceId}`, e);
    }
    changes.push(
      found
        ? `tasks ${found.target.MinCapacity}–${found.target.MaxCapacity} → ${s.min}–${s.max}`
        : `scalable target ${s.min}–${s.max} tasks`,
    );
  }
  const ourNames = Object.values(policyNames(service));
  let policies = (found?.policies ?? [])
    .filter((p) => ourNames.includes(p.PolicyName!))
    .map((p) => ({ name: p.PolicyName!, arn: p.PolicyARN }));
  const record = async () => {
    const next: AutoScalingRecord = { resourceId, arn, min: s.min, max: s.max, policies };
    if (JSON.stringify(ctx.state.current.autoScaling) !== JSON.stringify(next))
      await ctx.state.record({ autoScaling: next });
    return next;
  };
  await record();

  for (const policy of wanted) {
    const live = found?.policies.find((p) => p.PolicyName === policy.PolicyName);
    if (live && samePolicy(live, policy)) continue;
    let policyArn: string | undefined;
    try {
      policyArn = (await aas.send(new PutScalingPolicyCommand(policy))).PolicyARN;
    } catch (e) {
      throw asOperationError(`put scaling policy ${policy.PolicyName}`, e);
    }
    policies = [...policies.filter((p) => p.name !== policy.PolicyName), { name: policy.PolicyName!, arn: policyArn }];
    await record();
    changes.push(`${live ? 'updated' : 'added'} policy ${policy.PolicyName} (${describePolicy(policy)})`);
  }
  for (const stale of policies.filter((p) => !wanted.some((w) => w.PolicyName === p.name))) {
    await deletePolicy(ctx, resourceId, stale.name);
    policies = policies.filter((p) => p.name !== stale.name);
    await record();
    changes.push(`removed policy ${stale.name}`);
  }
  const outcome = changes.length === 0 ? 'unchanged' : found ? 'updated' : 'created';
  return { outcome, changes, autoScaling: await record() };
}

/**
 * Deletes ecsctl's scaling policies and deregisters the scalable target; the service keeps the
 * desired count the autoscaler last set. Already gone counts as done. Policies are deleted
 * explicitly first: AWS removes them with the target, but not every endpoint does (moto keeps them).
 */
export async function deleteAutoScaling(ctx: StepContext): Promise<Outcome> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  const service = state.service?.name ?? stackOf(ctx);
  const resourceId = state.autoScaling?.resourceId ?? (cluster ? scalableResourceId(cluster, service) : undefined);
  if (!resourceId) return 'absent';
  const found = await findAutoScaling(ctx, resourceId);
  if (!found) {
    if (state.autoScaling) await ctx.state.record({ autoScaling: undefined });
    return 'absent';
  }
  const ourNames = Object.values(policyNames(resourceId.split('/')[2] ?? service));
  for (const p of found.policies.filter((x) => ourNames.includes(x.PolicyName!)))
    await deletePolicy(ctx, resourceId, p.PolicyName!);
  try {
    await ctx.aws.appscaling.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId: resourceId,
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
  } catch (e) {
    if (!isAwsError(e, 'ObjectNotFoundException')) throw asOperationError(`deregister ${resourceId}`, e);
  }
  await ctx.state.record({ autoScaling: undefined });
  return 'deleted';
}

async function deletePolicy(ctx: StepContext, resourceId: string, name: string): Promise<void> {
  try {
    await ctx.aws.appscaling.send(
      new DeleteScalingPolicyCommand({
        PolicyName: name,
        ServiceNamespace: NAMESPACE,
        ResourceId: resourceId,
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
  } catch (e) {
    if (!isAwsError(e, 'ObjectNotFoundException')) throw asOperationError(`delete scaling policy ${name}`, e);
  }
}
