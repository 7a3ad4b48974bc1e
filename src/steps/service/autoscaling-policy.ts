/**
 * What ecsctl asks of Application Auto Scaling, kept apart from the calls: the settings' checks,
 * the ALB resource label, the initial count's clamp, and the target-tracking policies wanted.
 */
import type {
  PutScalingPolicyCommandInput,
  ScalableTarget,
  ScalingPolicy,
} from '@aws-sdk/client-application-auto-scaling';
import { fieldChange, type FieldChange } from '../changes.js';
import { OperationError, UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';

export const SCALABLE_DIMENSION = 'ecs:service:DesiredCount';
export const NAMESPACE = 'ecs';

export interface AutoScalingSettings {
  readonly min: number;
  readonly max: number;
  /** Average CPU utilization to hold, in percent (1–100). */
  readonly cpuTarget?: number;
  /** ALB requests per target to hold (per minute, as the metric counts them). */
  readonly requestsPerTarget?: number;
}

/**
 * Checks the flags' combination, before any AWS call: min ≤ max, at least one target metric,
 * CPU within 1–100 (the flag parsers check each number's own range).
 */
export function checkAutoScalingSettings(s: AutoScalingSettings): AutoScalingSettings {
  if (s.min > s.max)
    throw new UsageError(`--min-count ${s.min} is above --max-count ${s.max}; the minimum must not exceed the maximum`);
  if (s.cpuTarget === undefined && s.requestsPerTarget === undefined)
    throw new UsageError('auto scaling needs a target to track: pass --cpu-target PCT and/or --requests-per-target N');
  if (s.cpuTarget !== undefined && (s.cpuTarget <= 0 || s.cpuTarget > 100))
    throw new UsageError(`--cpu-target must be above 0 and at most 100 (percent), got ${s.cpuTarget}`);
  return s;
}

export const scalableResourceId = (cluster: string, service: string): string => `service/${cluster}/${service}`;

/** The desired count a new service starts with when auto scaling is on: the asked count, within [min, max]. */
export const clampDesiredCount = (count: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, count));

/**
 * ALBRequestCountPerTarget's resource label: the final portion of the load balancer ARN
 * (`app/<lb-name>/<lb-id>`) and of the target group ARN (`targetgroup/<tg-name>/<tg-id>`), joined
 * by a slash (Application Auto Scaling API reference, PredefinedMetricSpecification).
 */
export function albResourceLabel(loadBalancerArn: string, targetGroupArn: string): string {
  const lb = /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(loadBalancerArn)?.[1];
  const tg = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(targetGroupArn)?.[1];
  if (!lb) throw new OperationError(`${loadBalancerArn} is not an Application Load Balancer ARN`);
  if (!tg) throw new OperationError(`${targetGroupArn} is not a target group ARN`);
  return `${lb}/${tg}`;
}

/** ecsctl's policy names: `<service>-cpu` and `<service>-requests`; other policies are left alone. */
export const policyNames = (service: string) => ({ cpu: `${service}-cpu`, requests: `${service}-requests` });

/** The target-tracking policies the settings ask for, in a fixed order. */
export function wantedPolicies(
  state: State,
  service: string,
  resourceId: string,
  s: AutoScalingSettings,
): PutScalingPolicyCommandInput[] {
  const names = policyNames(service);
  const base = { ServiceNamespace: NAMESPACE, ResourceId: resourceId, ScalableDimension: SCALABLE_DIMENSION } as const;
  const out: PutScalingPolicyCommandInput[] = [];
  if (s.cpuTarget !== undefined) {
    out.push({
      ...base,
      PolicyName: names.cpu,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: s.cpuTarget,
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      },
    });
  }
  if (s.requestsPerTarget !== undefined) {
    if (!state.loadBalancer || !state.targetGroup) {
      throw new UsageError('--requests-per-target needs the load balancer and target group, and none is recorded', {
        hint: 'Run `ecsctl lb create` (or `ecsctl up`) first, or scale on --cpu-target only.',
      });
    }
    out.push({
      ...base,
      PolicyName: names.requests,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: s.requestsPerTarget,
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'ALBRequestCountPerTarget',
          ResourceLabel: albResourceLabel(state.loadBalancer.arn, state.targetGroup.arn),
        },
      },
    });
  }
  return out;
}

export function samePolicy(live: ScalingPolicy, wanted: PutScalingPolicyCommandInput): boolean {
  const a = live.TargetTrackingScalingPolicyConfiguration;
  const b = wanted.TargetTrackingScalingPolicyConfiguration;
  return (
    live.PolicyType === wanted.PolicyType &&
    a?.TargetValue === b?.TargetValue &&
    a?.PredefinedMetricSpecification?.PredefinedMetricType === b?.PredefinedMetricSpecification?.PredefinedMetricType &&
    (a?.PredefinedMetricSpecification?.ResourceLabel ?? '') === (b?.PredefinedMetricSpecification?.ResourceLabel ?? '')
  );
}

export function describePolicy(
  p: Pick<PutScalingPolicyCommandInput, 'TargetTrackingScalingPolicyConfiguration'>,
): string {
  const c = p.TargetTrackingScalingPolicyConfiguration!;
  return c.PredefinedMetricSpecification?.PredefinedMetricType === 'ALBRequestCountPerTarget'
    ? `${c.TargetValue} requests per target`
    : `${c.TargetValue}% CPU`;
}

/**
 * What `ensureAutoScaling` changes, field by field (the same comparisons it makes): the task range
 * when the target is missing or its min/max differ, each wanted policy missing or not `samePolicy`,
 * and each of ecsctl's policies no longer wanted.
 */
export function autoScalingChanges(
  found: { readonly target: ScalableTarget; readonly policies: readonly ScalingPolicy[] } | undefined,
  s: AutoScalingSettings,
  wanted: readonly PutScalingPolicyCommandInput[],
  service: string,
): FieldChange[] {
  const range = found && `${found.target.MinCapacity}–${found.target.MaxCapacity}`;
  const changes = fieldChange('tasks (min–max)', range, `${s.min}–${s.max}`);
  for (const policy of wanted) {
    const live = found?.policies.find((p) => p.PolicyName === policy.PolicyName);
    if (!live || !samePolicy(live, policy))
      changes.push(...fieldChange(`policy ${policy.PolicyName}`, live && describePolicy(live), describePolicy(policy)));
  }
  const ours = Object.values(policyNames(service));
  for (const stale of found?.policies ?? [])
    if (ours.includes(stale.PolicyName!) && !wanted.some((w) => w.PolicyName === stale.PolicyName))
      changes.push(...fieldChange(`policy ${stale.PolicyName}`, describePolicy(stale), undefined));
  return changes;
}
