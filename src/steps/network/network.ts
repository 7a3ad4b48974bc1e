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
  const record: NetworkRecord = {
    vpcId: vpcId!,
    subnets: subnets
      .map((s) => ({ id: s.SubnetId!, az: s.AvailabilityZone! }))
      .sort((a, b) => a.az.localeCompare(b.az) || a.id.localeCompare(b.id)),
  };
  await ctx.state.record({ network: record });
  return record;
}

/** One subnet per availability zone, at least two: what an application load balancer needs. */
export function subnetsForLoadBalancer(network: NetworkRecord): string[] {
  const byAz = new Map<string, string>();
  for (const s of network.subnets) if (!byAz.has(s.az)) byAz.set(s.az, s.id);
  if (byAz.size < 2) {
    throw new UsageError(
      `a load balancer needs subnets in two availability zones; the recorded network has ${byAz.size} (${[...byAz.keys()].join(', ') || 'none'})`,
      {
        hint: 'Pass --subnets with subnets in at least two availability zones.',
      },
    );
  }
  return [...byAz.values()];
}
