/**
 * What a rollout looks like at one moment: the one-line summary the wait prints ("7/10 running,
 * 5/10 healthy, rollout IN_PROGRESS") and the target health behind it.
 */
import { type Deployment, type Service } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError } from '../../aws/errors.js';
import type { StepContext } from '../context.js';

export interface TargetSummary {
  readonly registered: number;
  readonly healthy: number;
  readonly draining: number;
  /** Targets neither healthy nor draining, by state, with their reason codes. */
  readonly notHealthy: { readonly state: string; readonly count: number; readonly reasons: string[] }[];
}

export interface RolloutStatus {
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  readonly rolloutState?: string;
  readonly deployments: number;
  readonly failedTasks: number;
  readonly targets?: TargetSummary;
  /** "7/10 running, 5/10 healthy, rollout IN_PROGRESS" */
  readonly line: string;
}

/** Targets are ready when every registered, non-draining one is healthy (and one is, if tasks are wanted). */
export function targetsReady(t: TargetSummary | undefined, desired: number): boolean {
  if (!t) return true;
  // moto keys targets by instance id, and ECS registers one per task, so never require
  // healthy == desired. Draining targets are on their way out (deregistration delay: 300 s
  // by default) and do not hold the wait.
  return t.notHealthy.length === 0 && (desired === 0 || t.healthy > 0);
}

export function summarize(
  service: Service,
  ours: Deployment | undefined,
  targets: TargetSummary | undefined,
): RolloutStatus {
  const desired = service.desiredCount ?? 0;
  const running = service.runningCount ?? 0;
  const deployments = service.deployments?.length ?? 0;
  const rolloutState = ours?.rolloutState;
  const failedTasks = ours?.failedTasks ?? 0;
  const parts = [`${running}/${desired} running`];
  if (targets) {
    parts.push(`${targets.healthy}/${desired} healthy`);
    for (const n of targets.notHealthy)
      parts.push(`${n.count} ${n.state}${n.reasons.length ? ` (${n.reasons.join(', ')})` : ''}`);
    if (targets.draining > 0) parts.push(`${targets.draining} draining`);
  }
  parts.push(`rollout ${rolloutState ?? 'unknown'}`);
  if (deployments > 1) parts.push(`${deployments} deployments`);
  if (failedTasks > 0) parts.push(`${failedTasks} tasks failed`);
  return {
    desired,
    running,
    pending: service.pendingCount ?? 0,
    rolloutState,
    deployments,
    failedTasks,
    targets,
    line: parts.join(', '),
  };
}

export function summarizeTargets(descriptions: readonly TargetHealthDescription[]): TargetSummary {
  let healthy = 0;
  let draining = 0;
  const others = new Map<string, { count: number; reasons: Set<string> }>();
  for (const d of descriptions) {
    const state = d.TargetHealth?.State ?? 'unknown';
    if (state === 'healthy') healthy++;
    else if (state === 'draining') draining++;
    else {
      const entry = others.get(state) ?? { count: 0, reasons: new Set<string>() };
      entry.count++;
      if (d.TargetHealth?.Reason) entry.reasons.add(d.TargetHealth.Reason);
      others.set(state, entry);
    }
  }
  return {
    registered: descriptions.length,
    healthy,
    draining,
    notHealthy: [...others].map(([state, e]) => ({ state, count: e.count, reasons: [...e.reasons].sort() })),
  };
}

export async function targetHealthDescriptions(
  ctx: StepContext,
  targetGroupArn: string,
): Promise<TargetHealthDescription[]> {
  try {
    return (
      (await ctx.aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
        .TargetHealthDescriptions ?? []
    );
  } catch (e) {
    throw asOperationError(`describe target health of ${targetGroupArn}`, e);
  }
}

export async function targetHealth(ctx: StepContext, service: Service): Promise<TargetSummary | undefined> {
  const arns = [
    ...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a)),
  ];
  if (arns.length === 0) return undefined;
  const all = (await Promise.all(arns.map((arn) => targetHealthDescriptions(ctx, arn)))).flat();
  return summarizeTargets(all);
}
