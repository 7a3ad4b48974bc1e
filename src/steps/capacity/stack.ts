/**
 * `--capacity asg` from end to end: launch template → Auto Scaling group → capacity provider →
 * the cluster's default strategy → instances registered; and the teardown, in the one order in
 * which no step waits on something only a later step releases:
 *
 *   provider off the cluster (AWS refuses while a service uses it: the service goes first)
 *   → group unprotected and scaled to 0, wait until empty (ECS drains each instance)
 *   → container instances deregistered (else ECS keeps them ~20 min and DeleteCluster fails)
 *   → capacity provider deleted, wait while DELETE_IN_PROGRESS (fails fast on DELETE_FAILED)
 *   → group deleted, wait until gone → launch template deleted.
 *
 * Every step finds before it acts and treats "already gone" as done, so a rerun after a crash at
 * any point carries on from there.
 */
import type { Instance as GroupInstance } from '@aws-sdk/client-auto-scaling';
import { OperationError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import { deregisterContainerInstances, readFleet } from '../instances/lifecycle.js';
import { findStackInstances, PRESENT_STATES, type SubnetChoice } from '../instances/launch.js';
import type { Outcome } from '../outcome.js';
import {
  emptyAutoScalingGroup,
  deleteAutoScalingGroup,
  ensureAutoScalingGroup,
  findAutoScalingGroup,
  groupName,
} from './autoscaling-group.js';
import { deleteLaunchTemplate, ensureLaunchTemplate, type TemplateSpec } from './launch-template.js';
import {
  deleteCapacityProvider,
  detachFromCluster,
  ensureCapacityProvider,
  ensureClusterStrategy,
  findCapacityProvider,
  providerName,
} from './provider.js';

export interface EnsureCapacityInput extends TemplateSpec {
  readonly subnets: readonly SubnetChoice[];
  readonly count: number;
  readonly maxInstances: number;
  readonly targetCapacity: number;
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
  readonly update?: (detail: string) => void;
}

export interface CapacityResult {
  readonly outcome: Outcome | 'updated';
  readonly launchTemplate: { readonly id: string; readonly name: string; readonly version: number };
  readonly autoScalingGroup: { readonly name: string; readonly arn?: string };
  readonly capacityProvider: { readonly name: string; readonly arn: string };
  readonly instances: string[];
  readonly registered?: number;
  /** What the live resources do differently from the flags, left as they are. */
  readonly notes: string[];
}

/**
 * Converges on the whole asg path for a cluster whose network, instance group, IAM profile and
 * AMI are known. A rerun with everything in place makes no mutating call.
 */
export async function ensureCapacity(ctx: StepContext, input: EnsureCapacityInput): Promise<CapacityResult> {
  if (ctx.state.current.capacity?.mode !== 'asg') await ctx.state.record({ capacity: { mode: 'asg' } });
  const template = await ensureLaunchTemplate(ctx, input);
  const group = await ensureAutoScalingGroup(ctx, {
    template: template.template,
    subnets: input.subnets,
    count: input.count,
    max: input.maxInstances,
  });
  if (!group.group.arn) throw new OperationError(`Auto Scaling group ${group.group.name} has no ARN yet`);
  const provider = await ensureCapacityProvider(ctx, {
    groupArn: group.group.arn,
    targetCapacity: input.targetCapacity,
  });
  const strategy = await ensureClusterStrategy(ctx, input.clusterName, provider.provider.name);
  const notes = [
    ...(template.differs?.length
      ? [`launch template: ${template.differs.join(', ')} — run \`ecsctl instances refresh\``]
      : []),
    ...(provider.differs?.length ? [`capacity provider left as it is: ${provider.differs.join(', ')}`] : []),
  ];
  for (const n of notes) ctx.report.warn(n);
  let instances = (group.live.Instances ?? []).map((i) => i.InstanceId!);
  let registered: number | undefined;
  if (input.wait) {
    const done = await waitForGroupRegistration(ctx, {
      group: group.group.name,
      cluster: input.clusterName,
      count: input.count,
      timeoutMs: input.waitTimeoutMs,
      update: input.update,
    });
    instances = done.instances;
    registered = done.registered;
  }
  const changed = [template.outcome, group.outcome, provider.outcome, strategy].find((o) => o !== 'unchanged');
  return {
    outcome: changed ?? 'unchanged',
    launchTemplate: template.template,
    autoScalingGroup: group.group,
    capacityProvider: provider.provider,
    instances,
    ...(registered === undefined ? {} : { registered }),
    notes,
  };
}

/**
 * Waits until at least `count` of the group's in-service instances are ACTIVE container
 * instances of the cluster. The group launches asynchronously (and replaces failed launches), so
 * the instance IDs are read from the group on every poll.
 */
export async function waitForGroupRegistration(
  ctx: StepContext,
  o: { group: string; cluster: string; count: number; timeoutMs: number; update?: (d: string) => void },
): Promise<{ instances: string[]; registered: number }> {
  let last = { instances: [] as string[], registered: 0 };
  const describe = (x: typeof last) =>
    `${x.instances.length}/${o.count} in service, ${x.registered}/${o.count} registered`;
  try {
    return await pollUntil({
      sleep: ctx.sleep,
      now: ctx.now,
      what: `${o.count} instance(s) of Auto Scaling group ${o.group} to register with cluster ${o.cluster}`,
      schedule: WAITS.instancesRegistered,
      timeoutMs: o.timeoutMs,
      read: async () => {
        const g = await findAutoScalingGroup(ctx.aws.autoscaling, o.group);
        if (!g) throw new OperationError(`Auto Scaling group ${o.group} no longer exists`);
        const ids = (g.Instances ?? []).filter(inService).map((i) => i.InstanceId!);
        const fleet = ids.length > 0 ? await readFleet(ctx, ids, o.cluster) : undefined;
        return (last = { instances: ids.sort(), registered: fleet?.registered.length ?? 0 });
      },
      onPoll: (x, elapsed) => o.update?.(`${describe(x)} (${formatElapsed(elapsed)})`),
      done: (x) => x.registered >= o.count,
      hint: "An instance that runs but never registers usually cannot reach ECS (no public IP or NAT) or lacks its instance profile; the group's activity history (aws autoscaling describe-scaling-activities) says why a launch failed.",
    });
  } catch (e) {
    if (e instanceof WaitTimeoutError) throw new WaitTimeoutError(`${e.message}: ${describe(last)}`, { hint: e.hint });
    throw e;
  }
}

export interface DeleteCapacityResult {
  readonly outcome: 'deleted' | 'absent';
  readonly detached: 'deleted' | 'absent';
  readonly terminated: string[];
  readonly deregistered: number;
  readonly capacityProvider: 'deleted' | 'absent';
  readonly autoScalingGroup: 'deleted' | 'absent';
  readonly launchTemplate: 'deleted' | 'absent';
}

/**
 * The asg teardown (see the top of this file). Works from names as well as the state, so it also
 * cleans up after a create that crashed before recording; nothing without the stack tag is touched.
 * Outside `asg` mode it does nothing.
 */
export async function deleteCapacity(
  ctx: StepContext,
  o: { timeoutMs?: number; update?: (d: string) => void } = {},
): Promise<DeleteCapacityResult> {
  const state = ctx.state.current;
  const none: Omit<DeleteCapacityResult, 'outcome'> = {
    detached: 'absent',
    terminated: [],
    deregistered: 0,
    capacityProvider: 'absent',
    autoScalingGroup: 'absent',
    launchTemplate: 'absent',
  };
  if (state.capacity?.mode !== 'asg') {
    if (state.capacity) await ctx.state.record({ capacity: undefined });
    return { outcome: 'absent', ...none };
  }
  const stack = stackOf(ctx);
  const cluster = state.cluster?.name;
  const provider = state.capacity.capacityProvider?.name ?? providerName(stack);
  const detached = cluster ? await detachFromCluster(ctx, cluster, provider) : 'absent';
  const terminated = await emptyAutoScalingGroup(ctx, o);
  let deregistered = 0;
  if (cluster) {
    const tagged = (await findStackInstances(ctx.aws.ec2, stack, [...PRESENT_STATES, 'terminated'])).map(
      (i) => i.InstanceId!,
    );
    deregistered = (await deregisterContainerInstances(ctx, cluster, [...new Set([...terminated, ...tagged])])).length;
  }
  const capacityProvider = await deleteCapacityProvider(ctx, o);
  const autoScalingGroup = await deleteAutoScalingGroup(ctx, o);
  const launchTemplate = await deleteLaunchTemplate(ctx);
  await ctx.state.record({ capacity: undefined });
  const all = [detached, capacityProvider, autoScalingGroup, launchTemplate];
  return {
    outcome: all.includes('deleted') || terminated.length > 0 || deregistered > 0 ? 'deleted' : 'absent',
    detached,
    terminated,
    deregistered,
    capacityProvider,
    autoScalingGroup,
    launchTemplate,
  };
}

export interface CapacityView {
  readonly mode: 'asg';
  readonly autoScalingGroup?: {
    readonly name: string;
    readonly exists: boolean;
    readonly min?: number;
    readonly max?: number;
    readonly desired?: number;
    readonly inService?: number;
    readonly launchTemplateVersion?: string;
    readonly instances?: { id: string; lifecycle?: string; az?: string; protectedFromScaleIn?: boolean }[];
  };
  readonly capacityProvider?: {
    readonly name: string;
    readonly exists: boolean;
    readonly status?: string;
    readonly updateStatus?: string;
    readonly targetCapacity?: number;
    readonly managedTerminationProtection?: string;
    readonly managedDraining?: string;
  };
}

/** The group (desired / in service) and the provider, read live; undefined outside asg mode. */
export async function showCapacity(ctx: StepContext): Promise<CapacityView | undefined> {
  const c = ctx.state.current.capacity;
  if (c?.mode !== 'asg') return undefined;
  const stack = stackOf(ctx);
  const gName = c.autoScalingGroup?.name ?? groupName(stack);
  const pName = c.capacityProvider?.name ?? providerName(stack);
  const [g, p] = await Promise.all([
    findAutoScalingGroup(ctx.aws.autoscaling, gName),
    findCapacityProvider(ctx.aws.ecs, pName),
  ]);
  return {
    mode: 'asg',
    autoScalingGroup: g
      ? {
          name: gName,
          exists: true,
          min: g.MinSize,
          max: g.MaxSize,
          desired: g.DesiredCapacity,
          inService: (g.Instances ?? []).filter(inService).length,
          launchTemplateVersion: g.LaunchTemplate?.Version,
          instances: (g.Instances ?? []).map((i) => ({
            id: i.InstanceId!,
            lifecycle: i.LifecycleState,
            az: i.AvailabilityZone,
            protectedFromScaleIn: i.ProtectedFromScaleIn,
          })),
        }
      : { name: gName, exists: false },
    capacityProvider: p
      ? {
          name: pName,
          exists: true,
          status: p.status,
          updateStatus: p.updateStatus,
          targetCapacity: p.autoScalingGroupProvider?.managedScaling?.targetCapacity,
          managedTerminationProtection: p.autoScalingGroupProvider?.managedTerminationProtection,
          managedDraining: p.autoScalingGroupProvider?.managedDraining,
        }
      : { name: pName, exists: false },
  };
}

const inService = (i: GroupInstance) => i.LifecycleState === 'InService';
