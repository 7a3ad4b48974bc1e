/**
 * doctor with scripted AWS answers: what moto cannot show (a working quota read, a short quota,
 * NAT-routed subnets, a missing default VPC, an arm64 type on an amd64 engine, expired credentials).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { renderDoctor, runDoctor, type DoctorInput } from '../../../../src/steps/doctor/doctor.js';
import { checkNode } from '../../../../src/steps/doctor/checks.js';
import { awsError, awsMock, resetAwsMocks, testClients } from '../../helpers/context.js';

const VPC = 'vpc-0123456789abcdef0';
const subnet = (az: string, publicIp = true) => ({
  SubnetId: `subnet-${az}`,
  AvailabilityZone: `us-east-1${az}`,
  DefaultForAz: true,
  MapPublicIpOnLaunch: publicIp,
  VpcId: VPC,
});
const mainTable = (target: Record<string, string> | undefined) => ({
  RouteTableId: 'rtb-main',
  Associations: [{ Main: true }],
  Routes: [
    { DestinationCidrBlock: '172.31.0.0/16', GatewayId: 'local' },
    ...(target ? [{ DestinationCidrBlock: '0.0.0.0/0', ...target }] : []),
  ],
});

const input = (over: Partial<DoctorInput> = {}): DoctorInput => ({
  region: 'us-east-1',
  instanceType: 't3.small',
  instanceCount: 2,
  engine: async () => ({ arch: 'amd64' }),
  nodeVersion: 'v24.1.0',
  ...over,
});

/** A healthy account: default VPC with IGW routes, t3.small in three zones, role there, 32 vCPU quota. */
function healthyAccount() {
  awsMock.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/dev' });
  awsMock.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC }] });
  awsMock.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet('a'), subnet('b'), subnet('c')] });
  awsMock.ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [mainTable({ GatewayId: 'igw-1' })] });
  awsMock.ec2.on(DescribeInstanceTypesCommand).resolves({
    InstanceTypes: [
      {
        InstanceType: 't3.small',
        ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
        VCpuInfo: { DefaultVCpus: 2 },
      },
    ],
  });
  awsMock.ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({
    InstanceTypeOfferings: ['a', 'b', 'c'].map((z) => ({ InstanceType: 't3.small', Location: `us-east-1${z}` })),
  });
  awsMock.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceType: 'm5.xlarge', CpuOptions: { CoreCount: 2, ThreadsPerCore: 2 } }] }],
  });
  awsMock.iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'AWSServiceRoleForECS' } as never });
  awsMock.quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 32 } });
}

const byId = (r: { checks: readonly { id: string; status: string; detail: string }[] }) =>
  Object.fromEntries(r.checks.map((c) => [c.id, c]));

beforeEach(() => resetAwsMocks());

describe('runDoctor', () => {
  it('passes every check on a healthy account, reading the quota with its code', async () => {
    healthyAccount();
    const report = await runDoctor(testClients(), input());
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.status)).toEqual(Array(8).fill('ok'));
    expect(awsMock.quotas).toHaveReceivedCommandWith(GetServiceQuotaCommand, {
      ServiceCode: 'ec2',
      QuotaCode: 'L-1216C47A',
    });
    expect(byId(report)['vcpu-quota']!.detail).toBe('2 × t3.small need 4 of 28 vCPU left (quota 32, 4 in use)');
    expect(renderDoctor(report)).toMatch(/up should work/);
  });

  it('fails the quota when the instances in use leave too little headroom', async () => {
    healthyAccount();
    awsMock.quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 6 } });
    const report = await runDoctor(testClients(), input());
    expect(report.ok).toBe(false);
    expect(byId(report)['vcpu-quota']).toMatchObject({ status: 'fail' });
    expect(renderDoctor(report)).toMatch(/^✗ vCPU quota .*need 4 of 2 vCPU left/m);
  });

  it('accepts private subnets behind a NAT gateway, and fails subnets with an IGW route but no public IPs', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [mainTable({ NatGatewayId: 'nat-1' })] });
    expect(byId(await runDoctor(testClients(), input())).network!.status).toBe('ok');
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [mainTable({ GatewayId: 'igw-1' })] });
    awsMock.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet('a', false), subnet('b', false)] });
    const report = await runDoctor(testClients(), input());
    expect(byId(report).network).toMatchObject({ status: 'fail' });
    expect(byId(report).network!.detail).toMatch(/0 of 2 subnets reach ECS/);
  });

  it('takes a subnet explicitly associated with a table without a default route as unreachable', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        mainTable({ GatewayId: 'igw-1' }),
        { RouteTableId: 'rtb-private', Associations: [{ SubnetId: 'subnet-b' }, { SubnetId: 'subnet-c' }], Routes: [] },
      ],
    });
    const report = await runDoctor(testClients(), input());
    expect(byId(report).network).toMatchObject({ status: 'fail' });
    expect(byId(report).network!.detail).toMatch(/1 of 3 subnets reach ECS.*only us-east-1a/);
  });

  it('fails without a default VPC and names create-default-vpc', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const report = await runDoctor(testClients(), input());
    expect(report.checks.find((c) => c.id === 'network')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/create-default-vpc/),
    });
  });

  it('fails an arm64 type on an amd64 engine, and a type offered in one zone only', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeInstanceTypesCommand).resolves({
      InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: ['arm64'] }, VCpuInfo: { DefaultVCpus: 2 } }],
    });
    awsMock.ec2
      .on(DescribeInstanceTypeOfferingsCommand)
      .resolves({ InstanceTypeOfferings: [{ Location: 'us-east-1a' }] });
    const report = await runDoctor(testClients(), input({ instanceType: 't4g.small' }));
    expect(byId(report).docker).toMatchObject({ status: 'fail' });
    expect(byId(report).docker!.detail).toMatch(/builds x86_64 images and t4g.small runs arm64/);
    expect(byId(report)['instance-type']).toMatchObject({ status: 'fail' });
  });

  it('fails an unknown instance type', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeInstanceTypesCommand).rejects(awsError('InvalidInstanceType'));
    const report = await runDoctor(testClients(), input({ instanceType: 'q9.huge' }));
    expect(byId(report)['instance-type']!.detail).toBe('q9.huge does not exist in this region');
  });

  it('warns when the ECS service-linked role is missing: the first CreateCluster makes it', async () => {
    healthyAccount();
    awsMock.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
    const report = await runDoctor(testClients(), input());
    expect(report.ok).toBe(true);
    expect(byId(report)['ecs-role']).toMatchObject({ status: 'warn' });
  });

  it('reports the AWS checks as not checked when the credentials fail, and makes no other call', async () => {
    awsMock.sts.on(GetCallerIdentityCommand).rejects(awsError('ExpiredToken'));
    const report = await runDoctor(testClients(), input());
    expect(report.ok).toBe(false);
    expect(byId(report).credentials).toMatchObject({ status: 'fail', fix: expect.stringMatching(/expired/i) });
    for (const id of ['network', 'instance-type', 'ecs-role', 'vcpu-quota'])
      expect(byId(report)[id]!.detail).toBe('not checked: needs working credentials');
    expect(awsMock.ec2.calls()).toHaveLength(0);
  });

  it('needs no engine with --image, and fails an engine that is not there', async () => {
    healthyAccount();
    expect(byId(await runDoctor(testClients(), input({ engine: async () => 'not-needed' }))).docker!.status).toBe('ok');
    const report = await runDoctor(
      testClients(),
      input({ engine: async () => ({ error: 'no Docker engine reachable' }) }),
    );
    expect(byId(report).docker).toMatchObject({ status: 'fail', detail: 'no Docker engine reachable' });
  });

  it('downgrades an unreachable network to a note on an emulator', async () => {
    healthyAccount();
    awsMock.ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [mainTable(undefined)] });
    const report = await runDoctor(testClients(), input({ endpoint: 'http://127.0.0.1:5000' }));
    expect(byId(report).network).toMatchObject({ status: 'warn' });
    expect(report.ok).toBe(true);
  });
});

describe('checkNode', () => {
  it('accepts 22 and newer, warns on 20, fails older', () => {
    expect(checkNode('v26.0.0').status).toBe('ok');
    expect(checkNode('v22.12.0').status).toBe('ok');
    expect(checkNode('v20.20.2').status).toBe('warn');
    expect(checkNode('v18.20.0').status).toBe('fail');
  });
});
