/**
 * instances end to end: the built CLI against a live moto, with the ECS agent stand-in
 * (scripts/standin/agent.mjs) registering instances as the real agent would on boot. Everything
 * is read back through the SDK. moto quirks that shape the checks:
 *  - it attaches the instance profile only to the first instance of a multi-count launch; ecsctl
 *    launches one call per subnet, so with --count 2 each call has one instance and both get it;
 *  - it does not enforce security-group dependencies, so DependencyViolation is unit-tested only;
 *  - it ignores ClientToken, so the resume-by-tag path is what keeps reruns from duplicating.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, ListContainerInstancesCommand } from '@aws-sdk/client-ecs';
import { GetInstanceProfileCommand, GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startProxy } from '../harness/proxy.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

let moto: Moto;
let aws: VerifyClients;
let agent: StandinAgent;
let opts: CliOptions;
const readState = async () => JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
const cli = (...args: string[]) => runCli(args, opts);
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

const X86_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const ARM_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';
const POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role';

async function instancesWhere(filters: { Name: string; Values: string[] }[]): Promise<Instance[]> {
  const out = await aws.ec2.send(new DescribeInstancesCommand({ Filters: filters }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}
const stackInstances = (states = ['pending', 'running']) =>
  instancesWhere([
    { Name: 'tag:ecsctl:stack', Values: ['web'] },
    { Name: 'instance-state-name', Values: states },
  ]);
async function activeContainerInstances(): Promise<string[]> {
  const arns = (await aws.ecs.send(new ListContainerInstancesCommand({ cluster: 'web' }))).containerInstanceArns ?? [];
  if (arns.length === 0) return [];
  const out = await aws.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: arns }));
  return (out.containerInstances ?? [])
    .filter((c) => c.status === 'ACTIVE')
    .map((c) => c.ec2InstanceId!)
    .sort();
}
async function groupByName(name: string) {
  const out = await aws.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }),
  );
  return out.SecurityGroups?.[0];
}
const ssmValue = async (name: string) =>
  (await aws.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value!;

beforeAll(async () => {
  moto = await startMoto();
  aws = verifyClients(moto.endpoint);
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  // Poll scale 0.1: the 3 s registration poll becomes 0.3 s; the agent stand-in registers within 0.2 s.
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-instances-')),
    endpoint: moto.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
});
afterAll(async () => {
  await agent?.stop();
  await moto?.stop();
});

describe('instances', () => {
  let ids: string[];
  let lbSg: string;
  let instanceSg: string;

  it('checks its inputs and needs a recorded cluster before any AWS call (exit 2)', async () => {
    for (const bad of [
      ['--count', '0'],
      ['--count', '21'],
      ['--type', 't3'],
      ['--ami', 'ami-xyz'],
      ['--subnets', 'subnet-1,sg-12345678'],
      ['--ingress-cidr', '0.0.0.0/33'],
    ]) {
      const r = await cli('instances', 'create', '--name', 'web', ...bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const noCluster = await cli('instances', 'create', '--name', 'web');
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toMatch(/no cluster recorded.*ecsctl cluster create/);
    expect(await groupByName('web-lb-sg')).toBeUndefined();
  });

  it('creates least-privilege groups, the role and profile, and two IMDSv2 instances that register with the cluster', async () => {
    expect((await cli('cluster', 'create', '--name', 'web')).code).toBe(0);
    const created = await cli('instances', 'create', '--json');
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out).toMatchObject({ outcome: 'created', cluster: 'web', registered: 2, instanceType: 't3.small' });
    expect(created.stderr).toMatch(/2\/2 running, 2\/2 registered/);
    ids = out.instances.map((i: { id: string }) => i.id).sort();
    expect(ids).toHaveLength(2);

    // Instances: AMI from SSM, type, subnets in two zones, only the instance group, profile, IMDSv2, tags.
    const live = await instancesWhere([{ Name: 'instance-id', Values: ids }]);
    const ami = await ssmValue(X86_PARAMETER);
    lbSg = (await groupByName('web-lb-sg'))!.GroupId!;
    instanceSg = (await groupByName('web-instance-sg'))!.GroupId!;
    expect(new Set(live.map((i) => i.Placement?.AvailabilityZone)).size).toBe(2);
    for (const i of live) {
      expect(i.State?.Name).toBe('running');
      expect(i.ImageId).toBe(ami);
      expect(i.InstanceType).toBe('t3.small');
      expect(i.SecurityGroups?.map((g) => g.GroupId)).toEqual([instanceSg]);
      expect(i.IamInstanceProfile?.Arn).toBe('arn:aws:iam::123456789012:instance-profile/web-ecs-instance');
      expect(i.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
        HttpEndpoint: 'enabled',
        HttpPutResponseHopLimit: 1,
      });
      expect(i.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'ecsctl:stack', Value: 'web' },
          { Key: 'Name', Value: 'web-ecs' },
        ]),
      );
      const userData = await aws.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId!, Attribute: 'userData' }),
      );
      expect(Buffer.from(userData.UserData!.Value!, 'base64').toString()).toBe(
        '#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\n',
      );
    }
    const volumes = await aws.ec2.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: ids }] }),
    );
    expect(volumes.Volumes?.length).toBeGreaterThanOrEqual(2);
    for (const v of volumes.Volumes ?? []) expect(v.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });

    // Security groups: exactly one rule each; nothing on the instance group is open to the world.
    const lb = await groupByName('web-lb-sg');
    const inst = await groupByName('web-instance-sg');
    expect(lb?.IpPermissions?.map(rule)).toEqual([
      { proto: 'tcp', from: 80, to: 80, cidrs: ['0.0.0.0/0'], groups: [] },
    ]);
    expect(inst?.IpPermissions?.map(rule)).toEqual([
      { proto: 'tcp', from: 32768, to: 65535, cidrs: [], groups: [lbSg] },
    ]);
    for (const g of [lb, inst]) expect(g?.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });

    // IAM: trust, managed policy, profile holding the role, tags on both.
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: 'web-ecs-instance' }))).Role!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0]).toMatchObject({
      Principal: { Service: 'ec2.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    expect(role.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });
    const attached = await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'web-ecs-instance' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([POLICY]);
    const profile = (await aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-ecs-instance' })))
      .InstanceProfile!;
    expect(profile.Roles?.map((r) => r.RoleName)).toEqual(['web-ecs-instance']);
    expect(profile.Tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });

    // ECS: both registered (by the agent stand-in) and ACTIVE.
    expect(await activeContainerInstances()).toEqual(ids);
    const state = await readState();
    expect({ ...state.instances, ids: [...state.instances.ids].sort() }).toEqual({ ids, ami, type: 't3.small' });
    expect(state.network.subnets.length).toBeGreaterThanOrEqual(2);

    if (process.env.ECSCTL_E2E_SHOW) {
      console.log(
        JSON.stringify(
          {
            lbSecurityGroup: lb?.IpPermissions,
            instanceSecurityGroup: inst?.IpPermissions,
            instances: live.map((i) => ({
              id: i.InstanceId,
              ami: i.ImageId,
              type: i.InstanceType,
              az: i.Placement?.AvailabilityZone,
              groups: i.SecurityGroups,
              profile: i.IamInstanceProfile?.Arn,
              metadata: i.MetadataOptions,
              tags: i.Tags,
            })),
          },
          null,
          1,
        ),
      );
    }
  });

  it('reruns as a no-op: same instances, nothing new launched, only reading calls', async () => {
    const proxy = await startProxy(moto.endpoint);
    const again = await runCli(['instances', 'create', '--json'], { ...opts, endpoint: proxy.endpoint }).finally(() =>
      proxy.close(),
    );
    const operations = [...new Set(proxy.calls.map((c) => c.operation))];
    expect(operations.filter((op) => !/^(Describe|Get|List)/.test(op))).toEqual([]);
    expect(operations).toContain('DescribeInstances');
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out.outcome).toBe('unchanged');
    expect(out.launched).toEqual([]);
    expect(out.instances.map((i: { id: string }) => i.id).sort()).toEqual(ids);
    expect(
      (await stackInstances(['pending', 'running', 'stopped', 'terminated'])).map((i) => i.InstanceId).sort(),
    ).toEqual(ids);
    expect(out.securityGroups).toMatchObject({ lb: { id: lbSg }, instance: { id: instanceSg } });
  });

  it('lists the instances with their registration', async () => {
    const rows = await json('instances', 'list');
    expect(rows.map((r: { id: string }) => r.id)).toEqual(ids);
    for (const r of rows)
      expect(r).toMatchObject({
        state: 'running',
        type: 't3.small',
        containerInstance: expect.stringContaining(':container-instance/web/'),
      });
    const text = await cli('instances', 'list');
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toMatch(/running\tt3\.small\tus-east-1\w\t.*\tregistered/);
  });

  it('replaces an instance terminated behind its back, in the emptier zone', async () => {
    await aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids[0]!] }));
    const out = await json('instances', 'create');
    expect(out.outcome).toBe('recreated');
    expect(out.launched).toHaveLength(1);
    const live = await stackInstances();
    expect(live).toHaveLength(2);
    expect(live.map((i) => i.InstanceId)).toContain(ids[1]);
    expect(new Set(live.map((i) => i.Placement?.AvailabilityZone)).size).toBe(2);
    ids = live.map((i) => i.InstanceId!).sort();
    expect((await activeContainerInstances()).filter((id) => ids.includes(id)).sort()).toEqual(ids);
  });

  it('deletes instances, groups, profile and role — and nothing without the stack tag', async () => {
    const ami = await ssmValue(X86_PARAMETER);
    const strangers = await aws.ec2.send(
      new RunInstancesCommand({
        ImageId: ami,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'ecsctl:stack', Value: 'other' }] }],
      }),
    );
    const untagged = await aws.ec2.send(new RunInstancesCommand({ ImageId: ami, MinCount: 1, MaxCount: 1 }));

    const deleted = await cli('instances', 'delete', '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({
      outcome: 'deleted',
      securityGroups: { instance: 'deleted', lb: 'deleted' },
      role: 'deleted',
    });

    expect(await stackInstances(['pending', 'running', 'stopping', 'stopped', 'shutting-down'])).toEqual([]);
    expect(await activeContainerInstances()).toEqual([]);
    expect(await groupByName('web-lb-sg')).toBeUndefined();
    expect(await groupByName('web-instance-sg')).toBeUndefined();
    await expect(aws.iam.send(new GetRoleCommand({ RoleName: 'web-ecs-instance' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await expect(
      aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-ecs-instance' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const others = await instancesWhere([
      { Name: 'instance-id', Values: [strangers.Instances![0]!.InstanceId!, untagged.Instances![0]!.InstanceId!] },
    ]);
    expect(others.map((i) => i.State?.Name)).toEqual(['running', 'running']);
    const state = await readState();
    for (const key of ['instances', 'lbSecurityGroup', 'instanceSecurityGroup', 'instanceRole'])
      expect(state[key]).toBeUndefined();

    const again = await json('instances', 'delete', '--yes');
    expect(again.outcome).toBe('absent');
    await aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: others.map((i) => i.InstanceId!) }));
  });

  it('launches a Graviton type from the arm64 AMI, without waiting when asked', async () => {
    const out = await json('instances', 'create', '--count', '1', '--type', 't4g.small', '--no-wait');
    expect(out).toMatchObject({
      outcome: 'created',
      ami: { imageId: await ssmValue(ARM_PARAMETER), source: ARM_PARAMETER },
    });
    expect(out.registered).toBeUndefined();
    const [i] = await stackInstances();
    expect(i).toMatchObject({ InstanceType: 't4g.small', ImageId: await ssmValue(ARM_PARAMETER) });
    expect((await cli('instances', 'delete', '--yes')).code).toBe(0);
    expect(await stackInstances()).toEqual([]);
  });
});

function rule(p: {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string }[];
  UserIdGroupPairs?: { GroupId?: string }[];
}) {
  return {
    proto: p.IpProtocol,
    from: p.FromPort,
    to: p.ToPort,
    cidrs: (p.IpRanges ?? []).map((r) => r.CidrIp),
    groups: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId),
  };
}
