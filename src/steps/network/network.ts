/**
 * Where the stack's instances and load balancer live: the default VPC and its default subnets
 * (walkthrough: describe-vpcs / describe-subnets with jq), or the VPC and subnets given.
 * The availability zones are recorded too, because an ALB needs two distinct ones.
 */
import { DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from '@aws-sdk/client-ec2';
import { asOperationError } from '../../aws/errors.js';
import { UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';
import { assertSomeSubnetReachesEcs, classifySubnets } from './reachability.js';

export type NetworkRecord = NonNullable<State['network']>;

export interface NetworkChoice {
  readonly vpcId?: string;
  readonly subnetIds?: readonly string[];
}

/**
 * Resolves and records the network. A recorded network is kept unless the flags name another;
 * no default VPC and no --vpc is a usage error with a hint.
 */
export async function ensureNetwork(ctx: StepContext, choice: NetworkChoice = {}): Promise<NetworkRecord> {
  const recorded = ctx.state.current.network;
  const wantsOther =
    (choice.vpcId && choice.vpcId !== recorded?.vpcId) ||
    (choice.subnetIds && choice.subnetIds.join(',') !== recorded?.subnets.map((s) => s.id).join(','));
  if (recorded && !wantsOther) return recorded;

  const ec2 = ctx.aws.ec2;
  let subnets: Subnet[];
  let vpcId = choice.vpcId;
  try {
    if (choice.subnetIds?.length) {
      subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...choice.subnetIds] }))).Subnets ?? [];
      const vpcs = new Set(subnets.map((s) => s.VpcId));
      if (vpcs.size !== 1) throw new UsageError('--subnets must all be in one VPC');
      const [only] = vpcs;
      if (vpcId && only !== vpcId) throw new UsageError(`--subnets are in ${only}, not in --vpc ${vpcId}`);
      vpcId = only!;
    } else {
      if (!vpcId) {
        const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
        vpcId = vpcs.Vpcs?.[0]?.VpcId;
        if (!vpcId) {
          throw new UsageError(`region ${ctx.state.current.region} has no default VPC`, {
            hint: 'Pass --vpc vpc-… and --subnets subnet-a,subnet-b (two availability zones), or create a default VPC with `aws ec2 create-default-vpc`.',
          });
        }
      }
      const inVpc =
        (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
      const defaults = inVpc.filter((s) => s.DefaultForAz);
      subnets = defaults.length > 0 ? defaults : inVpc;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw asOperationError('discover the VPC and subnets', e);
  }
  if (subnets.length === 0) throw new UsageError(`VPC ${vpcId} has no subnets`, { hint: 'Pass --subnets.' });
  // Before anything is launched: instances that cannot reach ECS would never register.
  const reach = await classifySubnets(ec2, vpcId!, ctx.state.current.region, subnets);
  assertSomeSubnetReachesEcs(vpcId!, reach);
  for (const s of reach.filter((r) => !r.reachesEcs))
    ctx.report.warn(`subnet ${s.id} (${s.az}) ${s.why}; no instance will be launched there`);
  const record: NetworkRecord = {
    vpcId: vpcId!,
    subnets: reach
      .map((s) => ({ id: s.id, az: s.az, public: s.public, reachesEcs: s.reachesEcs }))
      .sort((a, b) => a.az.localeCompare(b.az) || a.id.localeCompare(b.id)),
  };
  await ctx.state.record({ network: record });
  return record;
}

/**
 * One subnet per availability zone, at least two: what an application load balancer needs. An
 * internet-facing one only gets public subnets (never private ones, where it could not be
 * reached), and zones CreateLoadBalancer refused before are left out.
 */
export function subnetsForLoadBalancer(network: NetworkRecord, o: { internal?: boolean } = {}): string[] {
  const excluded = new Set(network.lbExcludedZones ?? []);
  const byAz = new Map<string, string>();
  for (const s of network.subnets) {
    if (excluded.has(s.az) || (!o.internal && s.public === false)) continue;
    if (!byAz.has(s.az)) byAz.set(s.az, s.id);
  }
  if (byAz.size < 2) {
    const kind = o.internal ? '' : 'public ';
    throw new UsageError(
      `a${o.internal ? '' : 'n internet-facing'} load balancer needs ${kind}subnets in two availability zones; the recorded network has ${byAz.size} (${[...byAz.keys()].join(', ') || 'none'})`,
      {
        hint: `Pass --subnets with ${kind}subnets in at least two availability zones${o.internal ? '' : ', or --internal for a load balancer inside the VPC'}.`,
      },
    );
  }
  return [...byAz.values()];
}
