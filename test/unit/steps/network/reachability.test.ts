import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand, type Subnet } from '@aws-sdk/client-ec2';
import { assertSomeSubnetReachesEcs, classifySubnets } from '../../../../src/steps/network/reachability.js';
import { subnetsForLoadBalancer } from '../../../../src/steps/network/network.js';
import { OperationError, UsageError } from '../../../../src/errors.js';
import { awsMock, resetAwsMocks, testClients } from '../../helpers/context.js';

const subnet = (id: string, az: string, mapPublic: boolean): Subnet => ({
  SubnetId: id,
  AvailabilityZone: az,
  MapPublicIpOnLaunch: mapPublic,
});
const table = (routes: object[], subnets: string[] = [], main = false) => ({
  Associations: [...subnets.map((SubnetId) => ({ SubnetId })), ...(main ? [{ Main: true }] : [])],
  Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }, ...routes],
});

beforeEach(resetAwsMocks);

describe('subnets that can reach ECS', () => {
  it('public-IP subnets need no route lookup', async () => {
    const out = await classifySubnets(testClients().ec2, 'vpc-1', 'us-east-1', [
      subnet('subnet-a', 'us-east-1a', true),
    ]);
    expect(out).toEqual([{ id: 'subnet-a', az: 'us-east-1a', public: true, reachesEcs: true }]);
    expect(awsMock.ec2).not.toHaveReceivedCommand(DescribeRouteTablesCommand);
  });

  it('private subnets: a NAT route reaches ECS; an internet route without public IPs does not; nothing at all does not', async () => {
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        table([{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }], ['subnet-nat']),
        table([{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1' }], ['subnet-igw']),
        table([], [], true),
      ],
    });
    awsMock.ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    const out = await classifySubnets(testClients().ec2, 'vpc-1', 'us-east-1', [
      subnet('subnet-nat', 'us-east-1a', false),
      subnet('subnet-igw', 'us-east-1b', false),
      subnet('subnet-none', 'us-east-1c', false),
    ]);
    expect(out.map((s) => [s.id, s.public, s.reachesEcs])).toEqual([
      ['subnet-nat', false, true],
      ['subnet-igw', true, false],
      ['subnet-none', false, false],
    ]);
    expect(() => assertSomeSubnetReachesEcs('vpc-1', out.slice(1))).toThrow(OperationError);
    expect(() => assertSomeSubnetReachesEcs('vpc-1', out.slice(1))).toThrow(
      /cannot reach ECS.*subnet-none \(us-east-1c\) gives no public IP/,
    );
  });

  it('VPC endpoints for the ECS agent make private subnets reach ECS', async () => {
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [table([], [], true)] });
    awsMock.ec2
      .on(DescribeVpcEndpointsCommand)
      .resolves({ VpcEndpoints: [{ ServiceName: 'com.amazonaws.us-east-1.ecs-agent' }] });
    const [s] = await classifySubnets(testClients().ec2, 'vpc-1', 'us-east-1', [
      subnet('subnet-p', 'us-east-1a', false),
    ]);
    expect(s!.reachesEcs).toBe(true);
  });

  it('an internet-facing load balancer gets public subnets only, and never an excluded zone', () => {
    const network = {
      vpcId: 'vpc-1',
      subnets: [
        { id: 'subnet-a', az: 'us-east-1a', public: true },
        { id: 'subnet-b', az: 'us-east-1b', public: false },
        { id: 'subnet-c', az: 'us-east-1c', public: true },
        { id: 'subnet-e', az: 'us-east-1e', public: true },
      ],
      lbExcludedZones: ['us-east-1e'],
    };
    expect(subnetsForLoadBalancer(network)).toEqual(['subnet-a', 'subnet-c']);
    expect(subnetsForLoadBalancer(network, { internal: true })).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(() => subnetsForLoadBalancer({ ...network, lbExcludedZones: ['us-east-1c', 'us-east-1e'] })).toThrow(
      UsageError,
    );
  });
});
