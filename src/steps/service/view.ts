/**
 * `service show`: one read-only view that merges what the ECS console spreads over four tabs:
 * counts, deployments with their rollout state, the latest service events, and the health of
 * every target in the target group (healthy / unhealthy with reason codes / draining).
 */
import { stackOf, type StepContext } from '../context.js';
import { shortTaskDefinition } from '../taskdef/resolve.js';
import { findService } from './config.js';
import { summarizeTargets, targetHealthDescriptions, type TargetSummary } from './rollout-status.js';

export interface DeploymentView {
  readonly id: string;
  readonly status: string;
  readonly taskDefinition: string;
  readonly rolloutState?: string;
  readonly rolloutStateReason?: string;
  readonly desired: number;
  readonly running: number;
  readonly pending: number;
  readonly failedTasks: number;
  readonly createdAt?: string;
}

export interface TargetView {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

export interface ServiceView {
  readonly name: string;
  readonly cluster?: string;
  readonly exists: boolean;
  readonly arn?: string;
  readonly status?: string;
  readonly schedulingStrategy?: string;
  readonly launchType?: string;
  readonly taskDefinition?: string;
  readonly desired?: number;
  readonly running?: number;
  readonly pending?: number;
  readonly circuitBreaker?: { readonly enable: boolean; readonly rollback: boolean };
  readonly minimumHealthyPercent?: number;
  readonly maximumPercent?: number;
  readonly healthCheckGracePeriodSeconds?: number;
  readonly loadBalancers?: {
    readonly targetGroupArn?: string;
    readonly containerName?: string;
    readonly containerPort?: number;
  }[];
  readonly deployments?: DeploymentView[];
  /** Newest first, at most `eventCount`. */
  readonly events?: { readonly createdAt?: string; readonly message: string }[];
  readonly targets?: TargetView[];
  readonly targetSummary?: TargetSummary;
}

/** Reads the recorded (or stack-named) service; `exists: false` when it is missing or INACTIVE. */
export async function showService(ctx: StepContext, options: { eventCount?: number } = {}): Promise<ServiceView> {
  const state = ctx.state.current;
  const name = state.service?.name ?? stackOf(ctx);
  const cluster = state.cluster?.name;
  if (!cluster) return { name, exists: false };
  const found = await findService(ctx.aws.ecs, cluster, name);
  const s = found?.service;
  if (!s || s.status === 'INACTIVE') return { name, cluster, exists: false, status: s?.status };

  const tgArns = [...new Set((s.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => !!a))];
  const described = (await Promise.all(tgArns.map((arn) => targetHealthDescriptions(ctx, arn)))).flat();
  const dc = s.deploymentConfiguration;
  return {
    name,
    cluster,
    exists: true,
    arn: s.serviceArn,
    status: s.status,
    schedulingStrategy: s.schedulingStrategy,
    launchType: s.launchType,
    taskDefinition: shortTaskDefinition(s.taskDefinition),
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    pending: s.pendingCount ?? 0,
    circuitBreaker: dc?.deploymentCircuitBreaker
      ? { enable: dc.deploymentCircuitBreaker.enable === true, rollback: dc.deploymentCircuitBreaker.rollback === true }
      : undefined,
    minimumHealthyPercent: dc?.minimumHealthyPercent,
    maximumPercent: dc?.maximumPercent,
    healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
    loadBalancers: (s.loadBalancers ?? []).map((lb) => ({
      targetGroupArn: lb.targetGroupArn,
      containerName: lb.containerName,
      containerPort: lb.containerPort,
    })),
    deployments: (s.deployments ?? []).map((d) => ({
      id: d.id ?? '-',
      status: d.status ?? '-',
      taskDefinition: shortTaskDefinition(d.taskDefinition),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      desired: d.desiredCount ?? 0,
      running: d.runningCount ?? 0,
      pending: d.pendingCount ?? 0,
      failedTasks: d.failedTasks ?? 0,
      createdAt: d.createdAt?.toISOString(),
    })),
    events: [...(s.events ?? [])]
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
      .slice(0, options.eventCount ?? 5)
      .map((e) => ({ createdAt: e.createdAt?.toISOString(), message: e.message ?? '' })),
    targets:
      tgArns.length === 0
        ? undefined
        : described.map((d) => ({
            id: d.Target?.Id ?? '-',
            port: d.Target?.Port,
            state: d.TargetHealth?.State ?? 'unknown',
            reason: d.TargetHealth?.Reason,
            description: d.TargetHealth?.Description,
          })),
    targetSummary: tgArns.length === 0 ? undefined : summarizeTargets(described),
  };
}
