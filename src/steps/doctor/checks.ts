/**
 * One function per thing that makes a first real `up` fail, each answering with a line a person
 * can act on: what was found and, when it is not right, how to fix it. A check never throws: an
 * AWS error becomes its own ✗ or ! line, so one failure does not hide the others.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type _InstanceType,
  type RouteTable,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import type { Clients } from '../../aws/clients.js';
import { isAwsError } from '../../aws/errors.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable key for --json readers: node, region, credentials, docker, network, instance-type, ecs-role, vcpu-quota. */
  readonly id: string;
  readonly status: CheckStatus;
  readonly title: string;
  readonly detail: string;
  /** What to do, for ✗ and ! lines. */
  readonly fix?: string;
}

export const ok = (id: string, title: string, detail: string): Check => ({ id, status: 'ok', title, detail });
export const warn = (id: string, title: string, detail: string, fix?: string): Check => ({
  id,
  status: 'warn',
  title,
  detail,
  ...(fix ? { fix } : {}),
});
export const fail = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  status: 'fail',
  title,
  detail,
  fix,
});

export const why = (e: unknown) =>
  `${(e as { name?: string })?.name ?? 'Error'}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;

/** Node 22 and newer are supported; 20 works until the AWS SDK drops it (January 2027). */
export function checkNode(version: string): Check {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
  const title = 'Node.js';
  if (major >= 22) return ok('node', title, `${version}`);
  if (major === 20)
    return warn(
      'node',
      title,
      `${version}: works, but Node 20 is past its end of life and AWS SDK releases after January 2027 need Node 22`,
      'Install Node.js 22 or newer (24 LTS recommended).',
    );
  return fail('node', title, `${version} is too old`, 'Install Node.js 22 or newer (24 LTS recommended).');
}

export function checkRegion(region: string, endpoint?: string): Check {
  return ok('region', 'Region', endpoint ? `${region} (every call goes to ${endpoint}, not AWS)` : region);
}

export interface Identity {
  readonly account: string;
  readonly arn: string;
}

/** STS GetCallerIdentity: needs no permission, so any failure is about the credentials themselves. */
export async function checkCredentials(aws: Clients): Promise<{ check: Check; identity?: Identity }> {
  const title = 'Credentials';
  try {
    const r = await aws.sts.send(new GetCallerIdentityCommand({}));
    const identity = { account: r.Account ?? '?', arn: r.Arn ?? '?' };
    return { check: ok('credentials', title, `account ${identity.account} as ${identity.arn}`), identity };
  } catch (e) {
    const name = (e as { name?: string })?.name ?? '';
    const fix =
      name === 'CredentialsProviderError'
        ? 'Run `aws configure`, `aws sso login --profile P` (then --profile P), or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.'
        : /Expired/.test(name)
          ? 'The session expired: `aws sso login` again, or refresh the temporary keys.'
          : 'Check the access key and profile (`aws sts get-caller-identity` shows the same answer).';
    return {
      check: fail('credentials', title, name === 'CredentialsProviderError' ? 'no credentials found' : why(e), fix),
    };
  }
}

export function notChecked(id: string, title: string): Check {
  return warn(id, title, 'not checked: needs working credentials');
}

/** Docker's names for CPU architectures, as EC2 spells them. */
const EC2_ARCH: Record<string, string> = { amd64: 'x86_64', x86_64: 'x86_64', arm64: 'arm64', aarch64: 'arm64' };

/**
 * The engine builds images for its own architecture (up passes no --platform), so an arm64
 * instance type needs an arm64 engine and an x86_64 type an amd64 one.
 */
export function checkEngine(
  engine: { arch?: string; error?: string; fix?: string } | 'not-needed',
  typeArchs: readonly string[] | undefined,
  instanceType: string,
): Check {
  const title = 'Docker engine';
  if (engine === 'not-needed') return ok('docker', title, 'not needed: the image is given with --image');
  if (engine.error) return fail('docker', title, engine.error, engine.fix ?? 'Start Docker or set DOCKER_HOST.');
  const arch = EC2_ARCH[engine.arch ?? ''] ?? engine.arch ?? 'unknown';
  if (!typeArchs)
    return warn('docker', title, `reachable, builds ${arch} images; ${instanceType}'s architecture unknown`);
  if (typeArchs.includes(arch)) return ok('docker', title, `reachable, builds ${arch} images as ${instanceType} runs`);
  return fail(
    'docker',
    title,
    `reachable, but builds ${arch} images and ${instanceType} runs ${typeArchs.join('/')}: its tasks would fail with "exec format error"`,
    arch === 'x86_64'
      ? `Choose an x86_64 type (--instance-type t3.small), or build with \`ecsctl image build --platform linux/arm64\` and push it.`
      : `Choose an arm64 type (--instance-type t4g.small), or build on an amd64 engine.`,
  );
}

export interface InstanceTypeFacts {
  readonly archs: readonly string[];
  readonly vcpus: number;
  /** Availability zones where the type is offered. */
  readonly zones: readonly string[];
}

/** DescribeInstanceTypes + DescribeInstanceTypeOfferings; undefined when the type does not exist here. */
export async function readInstanceType(aws: Clients, type: string): Promise<InstanceTypeFacts | undefined> {
  let info;
  try {
    info = (await aws.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] })))
      .InstanceTypes?.[0];
  } catch (e) {
    if (isAwsError(e, 'InvalidInstanceType')) return undefined;
    throw e;
  }
  if (!info) return undefined;
  const offerings = await aws.ec2.send(
    new DescribeInstanceTypeOfferingsCommand({
      LocationType: 'availability-zone',
      Filters: [{ Name: 'instance-type', Values: [type] }],
    }),
  );
  return {
    archs: info.ProcessorInfo?.SupportedArchitectures ?? [],
    vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    zones: [...new Set((offerings.InstanceTypeOfferings ?? []).map((o) => o.Location!))].sort(),
  };
}

export interface NetworkFacts {
  readonly vpcId: string;
  /** Zones of the subnets whose instances can reach the ECS endpoints. */
  readonly reachableZones: readonly string[];
  readonly subnetCount: number;
}

/**
 * The VPC up would use (default, or --vpc) and which of its candidate subnets can reach ECS: a
 * default route to an internet gateway with public IPs on launch, or to a NAT gateway. The agent
 * on an instance that cannot is the classic "instances never register".
 */
export async function checkNetwork(aws: Clients, vpcFlag?: string): Promise<{ check: Check; facts?: NetworkFacts }> {
  const title = 'VPC and subnets';
  let vpcId = vpcFlag;
  if (!vpcId) {
    const vpcs = await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    vpcId = vpcs.Vpcs?.[0]?.VpcId;
    if (!vpcId)
      return {
        check: fail(
          'network',
          title,
          'this region has no default VPC',
          'Create one with `aws ec2 create-default-vpc`, or pass --vpc vpc-… (and to up: --subnets in two zones).',
        ),
      };
  }
  const filter = [{ Name: 'vpc-id', Values: [vpcId] }];
  const inVpc = (await aws.ec2.send(new DescribeSubnetsCommand({ Filters: filter }))).Subnets ?? [];
  if (inVpc.length === 0) return { check: fail('network', title, `${vpcId} has no subnets`, 'Pass another --vpc.') };
  const defaults = inVpc.filter((s) => s.DefaultForAz);
  const candidates = defaults.length > 0 ? defaults : inVpc;
  const tables = (await aws.ec2.send(new DescribeRouteTablesCommand({ Filters: filter }))).RouteTables ?? [];
  const reachable = candidates.filter((s) => reachesInternet(s, tables));
  const zones = [...new Set(reachable.map((s) => s.AvailabilityZone!))].sort();
  const facts = { vpcId, reachableZones: zones, subnetCount: candidates.length };
  const summary = `${vpcId}${vpcFlag ? '' : ' (default)'}: ${reachable.length} of ${candidates.length} subnets reach ECS`;
  if (zones.length >= 2) return { check: ok('network', title, `${summary}, in ${zones.length} zones`), facts };
  return {
    check: fail(
      'network',
      title,
      `${summary}${zones.length ? ` (only ${zones.join(', ')})` : ''}: instances could not register and the load balancer needs two zones`,
      'Give the subnets a route 0.0.0.0/0 to an internet gateway (with public IPs on launch) or a NAT gateway, in at least two zones.',
    ),
    facts,
  };
}

function reachesInternet(subnet: Subnet, tables: readonly RouteTable[]): boolean {
  const own = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnet.SubnetId));
  const table = own ?? tables.find((t) => t.Associations?.some((a) => a.Main));
  const route = table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.State !== 'blackhole');
  if (!route) return false;
  if (route.NatGatewayId || route.TransitGatewayId || route.NetworkInterfaceId || route.InstanceId) return true;
  return route.GatewayId?.startsWith('igw-') === true && subnet.MapPublicIpOnLaunch === true;
}

export function checkInstanceType(
  type: string,
  facts: InstanceTypeFacts | undefined,
  network: NetworkFacts | undefined,
): Check {
  const title = 'Instance type';
  if (!facts)
    return fail('instance-type', title, `${type} does not exist in this region`, 'Choose another --instance-type.');
  // With no usable subnet at all, the network line says so; this one then judges the type alone.
  const byNetwork = network !== undefined && network.reachableZones.length > 0;
  const usable = byNetwork ? facts.zones.filter((z) => network.reachableZones.includes(z)) : facts.zones;
  const where = byNetwork ? 'zones with usable subnets' : 'zones';
  if (usable.length >= 2)
    return ok(
      'instance-type',
      title,
      `${type} (${facts.vcpus} vCPU, ${facts.archs.join('/')}) offered in ${usable.length} ${where}`,
    );
  return fail(
    'instance-type',
    title,
    `${type} is offered in ${usable.length} ${where} (${usable.join(', ') || 'none'}); the load balancer needs two`,
    'Choose a type offered more widely (t3.small is almost everywhere).',
  );
}

export const ECS_SERVICE_ROLE = 'AWSServiceRoleForECS';

export async function checkEcsRole(aws: Clients): Promise<Check> {
  const title = 'ECS service-linked role';
  try {
    await aws.iam.send(new GetRoleCommand({ RoleName: ECS_SERVICE_ROLE }));
    return ok('ecs-role', title, `${ECS_SERVICE_ROLE} present`);
  } catch (e) {
    if (isAwsError(e, 'NoSuchEntity') || isAwsError(e, 'NoSuchEntityException'))
      return warn(
        'ecs-role',
        title,
        `${ECS_SERVICE_ROLE} not there yet: the first CreateCluster creates it, and a service created seconds later may fail once with "Unable to assume the service linked role" (run up again)`,
        'Or create it now: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com',
      );
    return warn('ecs-role', title, `cannot read it (${why(e)})`, 'Needs iam:GetRole to check; up itself does not.');
  }
}
