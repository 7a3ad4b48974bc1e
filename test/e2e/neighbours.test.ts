/**
 * Neighbours: resources in the same account that ecsctl did not create — named exactly as a
 * stack's own would be, untagged or tagged for another stack — and bystanders with unrelated
 * names. For each kind, `up` must refuse (exit 1, naming it) without adopting it, `down` must
 * succeed and leave it alone, and the resource read back through the SDK must be unchanged.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { runCli } from '../harness/cli.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

let world: UpWorld;
let aws: VerifyClients;
let vpcId: string;
let subnetIds: string[];
const OTHER = [{ Key: 'ecsctl:stack', Value: 'other' }];
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

interface Neighbour {
  readonly kind: string;
  /** The stack whose own resource this one would be. */
  readonly stack: string;
  /** What stderr names. */
  readonly named: RegExp;
  create(): Promise<void>;
  /** Everything a command could change about it, as AWS reports it now. */
  read(): Promise<unknown>;
  /** Its ARN or ID, from what read() returned. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case reads a different SDK shape
  id(read: any): string;
}

const sgByName = async (name: string) =>
  (await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] })))
    .SecurityGroups;

const neighbours: Neighbour[] = [
  {
    kind: 'ECS cluster, untagged',
    stack: 'nbcluster',
    named: /nbcluster/,
    create: async () => void (await aws.ecs.send(new CreateClusterCommand({ clusterName: 'nbcluster' }))),
    read: async () =>
      (await aws.ecs.send(new DescribeClustersCommand({ clusters: ['nbcluster'], include: ['TAGS', 'SETTINGS'] })))
        .clusters,
    id: (r) => r[0].clusterArn,
  },
  {
    kind: 'ECR repository, untagged',
    stack: 'nbrepo',
    named: /nbrepo/,
    create: async () => void (await aws.ecr.send(new CreateRepositoryCommand({ repositoryName: 'nbrepo' }))),
    read: async () => {
      const repos = (await aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nbrepo'] })))
        .repositories!;
      return {
        repos,
        tags: (await aws.ecr.send(new ListTagsForResourceCommand({ resourceArn: repos[0]!.repositoryArn }))).tags,
      };
    },
    id: (r) => r.repos[0].repositoryArn,
  },
  {
    kind: 'target group <name>-tg, untagged',
    stack: 'nbtg',
    named: /nbtg-tg/,
    create: async () =>
      void (await aws.elb.send(
        new CreateTargetGroupCommand({
          Name: 'nbtg-tg',
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: vpcId,
          TargetType: 'instance',
        }),
      )),
    read: async () => {
      const tg = (await aws.elb.send(new DescribeTargetGroupsCommand({ Names: ['nbtg-tg'] }))).TargetGroups!;
      const arn = tg[0]!.TargetGroupArn!;
      return {
        tg,
        tags: (await aws.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions,
        attributes: (await aws.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }))).Attributes,
      };
    },
    id: (r) => r.tg[0].TargetGroupArn,
  },
  {
    kind: 'load balancer <name>-lb, tagged for another stack',
    stack: 'nblb',
    named: /nblb-lb/,
    create: async () =>
      void (await aws.elb.send(
        new CreateLoadBalancerCommand({ Name: 'nblb-lb', Subnets: subnetIds.slice(0, 2), Tags: OTHER }),
      )),
    read: async () => {
      const lb = (await aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['nblb-lb'] }))).LoadBalancers!;
      const arn = lb[0]!.LoadBalancerArn!;
      return {
        lb: lb.map(({ State: _state, ...rest }) => rest), // provisioning → active is AWS's doing, not ours
        tags: (await aws.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions,
        listeners: (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners,
      };
    },
    id: (r) => r.lb[0].LoadBalancerArn,
  },
  {
    kind: 'security group <name>-lb-sg, untagged',
    stack: 'nbsg',
    named: /nbsg-lb-sg/,
    create: async () =>
      void (await aws.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'nbsg-lb-sg', Description: 'not ecsctl', VpcId: vpcId }),
      )),
    read: () => sgByName('nbsg-lb-sg'),
    id: (r) => r[0].GroupId,
  },
  {
    kind: 'security group <name>-instance-sg, tagged for another stack',
    stack: 'nbisg',
    named: /nbisg-instance-sg/,
    create: async () =>
      void (await aws.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: 'nbisg-instance-sg',
          Description: 'not ecsctl',
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: OTHER }],
        }),
      )),
    read: () => sgByName('nbisg-instance-sg'),
    id: (r) => r[0].GroupId,
  },
  {
    kind: 'IAM role <name>-ecs-instance, untagged',
    stack: 'nbrole',
    named: /nbrole-ecs-instance/,
    create: async () =>
      void (await aws.iam.send(
        new CreateRoleCommand({ RoleName: 'nbrole-ecs-instance', AssumeRolePolicyDocument: TRUST }),
      )),
    read: async () => ({
      role: (await aws.iam.send(new GetRoleCommand({ RoleName: 'nbrole-ecs-instance' }))).Role,
      attached: (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'nbrole-ecs-instance' })))
        .AttachedPolicies,
    }),
    id: (r) => r.role.Arn,
  },
];

/** Bystanders: unrelated names, untagged or another stack's; every run must leave them as they are. */
let bystanderIds: string[] = [];
const readBystanders = async () => ({
  instances: (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: bystanderIds })))
    .Reservations!.flatMap((r) => r.Instances!)
    .map((i) => ({ id: i.InstanceId, state: i.State?.Name, tags: i.Tags, groups: i.SecurityGroups })),
  cluster: (await aws.ecs.send(new DescribeClustersCommand({ clusters: ['other'], include: ['TAGS'] }))).clusters,
});

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  vpcId = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })))
    .Vpcs![0]!.VpcId!;
  subnetIds = (
    await aws.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
  ).Subnets!.map((s) => s.SubnetId!);
  const plain = await aws.ec2.send(
    new RunInstancesCommand({ ImageId: 'ami-0aae19d30bab785d3', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
  );
  const tagged = await aws.ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-0aae19d30bab785d3',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ ResourceType: 'instance', Tags: OTHER }],
    }),
  );
  bystanderIds = [...plain.Instances!, ...tagged.Instances!].map((i) => i.InstanceId!);
  await aws.ecs.send(
    new CreateClusterCommand({ clusterName: 'other', tags: [{ key: 'ecsctl:stack', value: 'other' }] }),
  );
  for (const n of neighbours) await n.create();
});
afterAll(async () => world?.stop());

describe('neighbours', () => {
  it.each(neighbours.map((n) => [n.kind, n] as const))(
    '%s: up refuses and does not adopt it; down leaves it alone',
    async (_, n) => {
      const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-rel-nb-'));
      const opts = { cwd, endpoint: world.moto.endpoint, env: FAST };
      const before = await n.read();
      const bystanders = await readBystanders();

      const up = await runCli(['up', '--name', n.stack, '--image', IMAGE], opts);
      expect(up.code, up.stderr.slice(-2000)).toBe(1);
      expect(up.stderr).toMatch(n.named);
      expect(up.stderr).toMatch(/not created by ecsctl for stack .*will not adopt or change it/);
      expect(up.stderr).not.toMatch(/^\s+at /m);
      const state = await readFile(join(cwd, 'ecsctl.state.json'), 'utf8');
      // Not adopted: its ARN or ID is recorded nowhere in the state.
      expect(state).not.toContain(n.id(before));
      expect(await n.read()).toEqual(before);

      const down = await runCli(['down', '--yes'], opts);
      expect(down.code, down.stderr.slice(-2000)).toBe(0);
      expect(await n.read()).toEqual(before);
      expect(await readBystanders()).toEqual(bystanders);
    },
    180_000,
  );

  it('bystanders are still running and tagged as before', async () => {
    const b = await readBystanders();
    expect(b.instances.map((i) => i.state)).toEqual(['running', 'running']);
    expect(b.cluster?.[0]?.status).toBe('ACTIVE');
  });
});
