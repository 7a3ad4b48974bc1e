/**
 * `instances create | list | delete`: everything the container instances need, in dependency
 * order. Network → LB group → instance group, the IAM role/profile and the AMI are independent
 * and run in parallel; the launch needs all three, and the wait needs the launch.
 */
import { DescribeInstanceTypeOfferingsCommand } from '@aws-sdk/client-ec2';
import { asOperationError } from '../../aws/errors.js';
import { missingStep, OperationError, UsageError } from '../../errors.js';
import { resolveAmi, type AmiChoice } from './ami.js';
import { findActiveCluster } from '../cluster/cluster.js';
import { stackOf, type StepContext } from '../context.js';
import { ensureInstanceRole, type InstanceRoleResult } from './iam.js';
import { ensureInstances, findStackInstances, PRESENT_STATES, type SubnetChoice } from './launch.js';
import { readFleet, waitForRegistration } from './lifecycle.js';
import { ensureNetwork, type NetworkRecord } from '../network/network.js';
import type { Outcome } from '../outcome.js';
import { assertCapacityMode, recordedMode, type CapacityMode } from '../capacity/mode.js';
import { DEFAULT_TARGET_CAPACITY } from '../capacity/provider.js';
import { ensureCapacity, type CapacityResult } from '../capacity/stack.js';

import { ensureInstanceSecurityGroup, ensureLbSecurityGroup, type GroupRecord } from '../network/security-groups.js';

export interface CreateInstancesInput {
  readonly count: number;
  readonly instanceType: string;
  readonly ami?: string;
  readonly vpcId?: string;
  readonly subnetIds?: readonly string[];
  readonly keyName?: string;
  readonly ingressCidr: string;
  readonly listenerPort: number;
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
  /** `asg`: an Auto Scaling group + capacity provider (steps/capacity); undefined: the recorded mode. */
  readonly capacity?: CapacityMode;
  readonly maxInstances?: number;
  readonly targetCapacity?: number;
}

export interface CreateInstancesResult {
  readonly outcome: Outcome | 'updated';
  readonly cluster: string;
  readonly instances: { readonly id: string; readonly subnetId?: string; readonly az?: string }[];
  readonly launched: string[];
  /** How many are registered with the cluster; absent with --no-wait. */
  readonly registered?: number;
  readonly instanceType: string;
  readonly ami: AmiChoice;
  readonly network: NetworkRecord;
  readonly securityGroups: { readonly lb: GroupRecord; readonly instance: GroupRecord };
  readonly role: InstanceRoleResult['role'];
  /** asg mode: the launch template, group and capacity provider. */
  readonly capacity?: CapacityResult;
}

/**
 * Converges on `count` running instances registered with the recorded cluster. A rerun with
 * everything present makes no mutating call and says `unchanged`; whatever was recorded but is
 * gone is made again; a run stopped half-way continues from where it stopped.
 */
export async function createInstances(ctx: StepContext, input: CreateInstancesInput): Promise<CreateInstancesResult> {
  const mode = input.capacity ?? recordedMode(ctx.state.current);
  assertCapacityMode(ctx.state.current, mode); // before any AWS call
  const recordedCluster = ctx.state.current.cluster;
  if (!recordedCluster) throw missingStep('cluster', 'cluster create');
  if (!(await findActiveCluster(ctx.aws.ecs, recordedCluster.name))) {
    throw new UsageError(`cluster ${recordedCluster.name} is recorded in the state but no longer exists`, {
      hint: 'Run `ecsctl cluster create` first.',
    });
  }
  const before = ctx.state.current;
  const [groups, iam, ami] = await allSettled([
    ctx.report.step('network and security groups', async () => {
      const network = await ensureNetwork(ctx, { vpcId: input.vpcId, subnetIds: input.subnetIds });
      const lb = await ensureLbSecurityGroup(ctx, { listenerPort: input.listenerPort, ingressCidr: input.ingressCidr });
      const instance = await ensureInstanceSecurityGroup(ctx, lb.id);
      return { network, lb, instance };
    }),
    ctx.report.step(`IAM role and instance profile ${stackOf(ctx)}-ecs-instance`, () => ensureInstanceRole(ctx)),
    ctx.report.step(`ECS-optimized AMI for ${input.instanceType}`, () =>
      resolveAmi(ctx, { instanceType: input.instanceType, ami: input.ami }),
    ),
  ] as const);

  const subnets = await subnetsOffering(ctx, input.instanceType, groups.network.subnets);
  if (mode === 'asg') {
    const capacity = await ctx.report.step(
      `Auto Scaling group and capacity provider (${input.count} × ${input.instanceType})`,
      (update) =>
        ensureCapacity(ctx, {
          imageId: ami.imageId,
          instanceType: input.instanceType,
          securityGroupId: groups.instance.id,
          profileName: iam.role.profileName,
          clusterName: recordedCluster.name,
          keyName: input.keyName,
          subnets,
          count: input.count,
          maxInstances: input.maxInstances ?? 2 * input.count,
          targetCapacity: input.targetCapacity ?? DEFAULT_TARGET_CAPACITY,
          wait: input.wait,
          waitTimeoutMs: input.waitTimeoutMs,
          update,
        }),
    );
    return {
      outcome: capacity.outcome,
      cluster: recordedCluster.name,
      instances: capacity.instances.map((id) => ({ id })),
      launched: [],
      ...(capacity.registered === undefined ? {} : { registered: capacity.registered }),
      instanceType: input.instanceType,
      ami,
      network: groups.network,
      securityGroups: { lb: groups.lb, instance: groups.instance },
      role: iam.role,
      capacity,
    };
  }
  const launch = await ctx.report.step(`${input.count} × ${input.instanceType} instance(s)`, () =>
    ensureInstances(ctx, {
      count: input.count,
      instanceType: input.instanceType,
      imageId: ami.imageId,
      subnets,
      securityGroupId: groups.instance.id,
      profileName: iam.role.profileName,
      clusterName: recordedCluster.name,
      keyName: input.keyName,
    }),
  );
  const ids = launch.instances.map((i) => i.id);
  let registered: number | undefined;
  if (input.wait) {
    const fleet = await ctx.report.step(`instances registered with cluster ${recordedCluster.name}`, (update) =>
      waitForRegistration(ctx, { ids, cluster: recordedCluster.name, timeoutMs: input.waitTimeoutMs, update }),
    );
    registered = fleet.registered.length;
  }
  const after = ctx.state.current;
  const othersChanged =
    iam.outcome !== 'unchanged' ||
    before.lbSecurityGroup?.id !== after.lbSecurityGroup?.id ||
    before.instanceSecurityGroup?.id !== after.instanceSecurityGroup?.id;
  return {
    outcome: launch.outcome !== 'unchanged' ? launch.outcome : othersChanged ? 'recreated' : 'unchanged',
    cluster: recordedCluster.name,
    instances: launch.instances,
    launched: launch.launched,
    ...(registered === undefined ? {} : { registered }),
    instanceType: input.instanceType,
    ami,
    network: groups.network,
    securityGroups: { lb: groups.lb, instance: groups.instance },
    role: iam.role,
  };
}

/**
 * The subnets whose availability zone offers the instance type (t3.small, for one, is not
 * offered in us-east-1e, and RunInstances there fails with Unsupported).
 */
export async function subnetsOffering(
  ctx: StepContext,
  instanceType: string,
  all: readonly (SubnetChoice & { readonly reachesEcs?: boolean })[],
): Promise<SubnetChoice[]> {
  // Never launch where the agent cannot reach ECS (network/reachability.ts).
  const subnets = all.filter((s) => s.reachesEcs !== false);
  let zones: Set<string>;
  try {
    const out = await ctx.aws.ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: [instanceType] }],
      }),
    );
    zones = new Set((out.InstanceTypeOfferings ?? []).map((o) => o.Location!));
  } catch (e) {
    // Only an optimisation: without it (e.g. no ec2:DescribeInstanceTypeOfferings), try them all.
    ctx.report.warn(`${asOperationError(`check where ${instanceType} is offered`, e).message}; trying every subnet`);
    return [...subnets];
  }
  const usable = subnets.filter((s) => zones.has(s.az));
  if (usable.length === 0) {
    throw new OperationError(
      `instance type ${instanceType} is not offered in ${[...new Set(subnets.map((s) => s.az))].join(', ')}`,
      {
        hint: 'Choose another --type, or pass --subnets in other availability zones.',
      },
    );
  }
  return usable;
}

export interface InstanceView {
  readonly id: string;
  readonly state?: string;
  readonly type?: string;
  readonly az?: string;
  readonly privateIp?: string;
  readonly publicIp?: string;
  readonly ami?: string;
  readonly launched?: string;
  /** ACTIVE container instance ARN in the recorded cluster, if registered. */
  readonly containerInstance?: string;
}

/** The stack's instances that are not terminated, found by tag, with their registration. */
export async function listInstances(ctx: StepContext): Promise<InstanceView[]> {
  const found = await findStackInstances(ctx.aws.ec2, stackOf(ctx), PRESENT_STATES);
  const cluster = ctx.state.current.cluster?.name;
  const fleet =
    cluster && found.length > 0
      ? await readFleet(
          ctx,
          found.map((i) => i.InstanceId!),
          cluster,
        )
      : undefined;
  return found.map((i) => ({
    id: i.InstanceId!,
    state: i.State?.Name,
    type: i.InstanceType,
    az: i.Placement?.AvailabilityZone,
    privateIp: i.PrivateIpAddress,
    publicIp: i.PublicIpAddress,
    ami: i.ImageId,
    launched: i.LaunchTime?.toISOString(),
    containerInstance: fleet?.registered.find((ci) => ci.ec2InstanceId === i.InstanceId)?.containerInstanceArn,
  }));
}

/**
 * Like Promise.all, but waits for every branch before throwing the first failure, so a branch
 * still creating something records it before the command exits.
 */
export async function allSettled<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
