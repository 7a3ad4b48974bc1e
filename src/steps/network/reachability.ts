/**
 * Can instances in these subnets reach ECS, and may an internet-facing load balancer sit in them?
 * An instance registers with its cluster only if its agent reaches the ECS endpoint: with a public
 * IP (MapPublicIpOnLaunch) through the internet gateway, through a NAT gateway (or another
 * gateway for 0.0.0.0/0), or through VPC interface endpoints for ECS. Without any of these the
 * instances boot, never register, and `up` would wait out --wait-timeout; so this is checked when
 * the network is chosen, before anything is launched.
 *
 * A subnet that maps public IPs is trusted to route to an internet gateway (the default VPC's do);
 * route tables are read only for subnets that do not.
 */
import {
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { asOperationError } from '../../aws/errors.js';
import { OperationError } from '../../errors.js';

export interface SubnetReach {
  readonly id: string;
  readonly az: string;
  readonly public: boolean;
  readonly reachesEcs: boolean;
  /** Why not, in words, when it cannot reach ECS. */
  readonly why?: string;
}

export async function classifySubnets(
  ec2: EC2Client,
  vpcId: string,
  region: string,
  subnets: readonly Subnet[],
): Promise<SubnetReach[]> {
  const mapsPublicIp = (s: Subnet) => s.MapPublicIpOnLaunch === true;
  if (subnets.every(mapsPublicIp)) {
    return subnets.map((s) => ({ id: s.SubnetId!, az: s.AvailabilityZone!, public: true, reachesEcs: true }));
  }
  let tables;
  let endpoints: string[];
  try {
    tables =
      (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .RouteTables ?? [];
    endpoints = (
      (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .VpcEndpoints ?? []
    ).map((e) => e.ServiceName ?? '');
  } catch (e) {
    throw asOperationError(`read the routes of ${vpcId}`, e);
  }
  // The agent needs ecs-agent, ecs-telemetry and ecs; ecs-agent alone says someone set them up.
  const ecsEndpoints = endpoints.some((n) => n === `com.amazonaws.${region}.ecs-agent` || n.endsWith('.ecs-agent'));
  const main = tables.find((t) => t.Associations?.some((a) => a.Main));
  return subnets.map((s) => {
    const table = tables.find((t) => t.Associations?.some((a) => a.SubnetId === s.SubnetId)) ?? main;
    const route = table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.State !== 'blackhole');
    const igw = route?.GatewayId?.startsWith('igw-') === true;
    const nat = !!(route?.NatGatewayId || route?.TransitGatewayId || route?.InstanceId || route?.NetworkInterfaceId);
    const isPublic = mapsPublicIp(s);
    const reachesEcs = isPublic || nat || ecsEndpoints;
    const why = reachesEcs
      ? undefined
      : igw
        ? 'routes to an internet gateway but gives instances no public IP (MapPublicIpOnLaunch is off)'
        : 'gives no public IP and has no route to a NAT gateway';
    return { id: s.SubnetId!, az: s.AvailabilityZone!, public: isPublic || igw, reachesEcs, ...(why ? { why } : {}) };
  });
}

/** Refuses a network in which no subnet can reach ECS, naming each subnet and why. */
export function assertSomeSubnetReachesEcs(vpcId: string, subnets: readonly SubnetReach[]): void {
  if (subnets.some((s) => s.reachesEcs)) return;
  throw new OperationError(
    `instances in ${vpcId} cannot reach ECS, so they would never register: ${subnets.map((s) => `${s.id} (${s.az}) ${s.why}`).join('; ')}`,
    {
      hint: 'Pass --subnets with public subnets (MapPublicIpOnLaunch on) or subnets routed through a NAT gateway, or add VPC endpoints for ecs, ecs-agent and ecs-telemetry.',
    },
  );
}
