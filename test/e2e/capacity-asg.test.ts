/**
 * `--capacity asg` end to end on moto, behind the strict capacity rules (test/harness/strict-capacity.ts):
 * `up` builds a launch template, an Auto Scaling group, a capacity provider as the cluster's default
 * strategy and the service on it; everything is read back through the SDK; a rerun changes nothing;
 * `down` leaves nothing and a second `down` is a no-op. The agent stand-in registers the group's
 * instances from the template's user data, as the real agent would.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeCapacityProvidersCommand, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { counts, EMPTY, inventory } from '../harness/inventory.js';
import { expectRerunChangesNothing, MUTATING } from '../harness/rerun.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';
import { capacityRules, withCapacityRules, type CapacityRules } from '../harness/strict-capacity.js';

let world: UpWorld;
let aws: VerifyClients;
let asg: AutoScalingClient;
let proxy: Proxy;
let rules: CapacityRules;
let opts: CliOptions;

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  asg = new AutoScalingClient({
    region: 'us-east-1',
    endpoint: world.moto.endpoint,
    credentials: { accessKeyId: 'AKIAECSCTLTEST000000', secretAccessKey: 'verify' },
  });
  rules = capacityRules(world.moto.endpoint, { deleteInProgressMs: 2_000 });
  proxy = await startProxy(world.moto.endpoint, withCapacityRules(rules));
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-asg-')), endpoint: proxy.endpoint, env: FAST, timeoutMs: 170_000 };
});
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

/** Everything the asg path leaves in the account, read straight from moto. */
async function asgLeftovers() {
  const groups = (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  const templates = (await aws.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
  const providers =
    (
      await aws.ecs.send(
        new DescribeCapacityProvidersCommand({ capacityProviders: ['web-capacity', 'rules-capacity'] }),
      )
    ).capacityProviders ?? [];
  return {
    groups: groups.map((g) => g.AutoScalingGroupName),
    templates: templates.map((t) => t.LaunchTemplateName),
    providers: providers.filter((p) => p.status === 'ACTIVE').map((p) => p.name),
  };
}

describe('up --capacity asg', () => {
  it('creates the template, group, provider and service, and says so', async () => {
    const r = await runCli(
      [
        'up',
        '--name',
        'web',
        '--image',
        IMAGE,
        '--capacity',
        'asg',
        '--instance-count',
        '2',
        '--target-capacity',
        '90',
        '--json',
      ],
      opts,
    );
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(r.stdout).outcomes.instances).toMatch(/^created, group web-ecs, 2\/2 registered/);
  });

  it('reads back: template with IMDSv2 hop 1 and the cluster user data, pinned in the group', async () => {
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    expect(state.capacity).toMatchObject({
      mode: 'asg',
      launchTemplate: { name: 'web-ecs', version: 1 },
      autoScalingGroup: { name: 'web-ecs' },
      capacityProvider: { name: 'web-capacity' },
    });
    const version = (
      await aws.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: state.capacity.launchTemplate.id,
          Versions: ['1'],
        }),
      )
    ).LaunchTemplateVersions![0]!.LaunchTemplateData!;
    expect(version.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(Buffer.from(version.UserData!, 'base64').toString()).toContain('ECS_CLUSTER=web');
    expect(version.IamInstanceProfile).toEqual({ Name: 'web-ecs-instance' });
    expect(version.SecurityGroupIds).toEqual([state.instanceSecurityGroup.id]);
    expect(version.TagSpecifications!.map((t) => t.ResourceType)).toEqual(
      expect.arrayContaining(['instance', 'volume']),
    );

    const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-ecs'] })))
      .AutoScalingGroups![0]!;
    expect(g.LaunchTemplate).toMatchObject({ LaunchTemplateId: state.capacity.launchTemplate.id, Version: '1' });
    expect({ min: g.MinSize, desired: g.DesiredCapacity, max: g.MaxSize }).toEqual({ min: 2, desired: 2, max: 4 });
    expect(g.NewInstancesProtectedFromScaleIn).toBe(true);
    const subnets = g.VPCZoneIdentifier!.split(',');
    const zones = (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnets }))).Subnets!.map(
      (s) => s.AvailabilityZone,
    );
    expect(new Set(zones).size).toBeGreaterThanOrEqual(2);
    expect(g.Tags!.find((t) => t.Key === 'ecsctl:stack')).toMatchObject({ Value: 'web', PropagateAtLaunch: true });
    // The group's instances carry the template's user data: that is how the agent stand-in registered them.
    for (const i of g.Instances!) {
      const ud = await aws.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'userData' }),
      );
      expect(Buffer.from(ud.UserData!.Value!, 'base64').toString()).toContain('ECS_CLUSTER=web');
    }
    const tagged = (
      await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:ecsctl:stack', Values: ['web'] }] }))
    ).Reservations!.flatMap((r) => r.Instances!);
    expect(tagged.map((i) => i.InstanceId).sort()).toEqual(g.Instances!.map((i) => i.InstanceId).sort());
  });

  it('reads back: provider settings, the cluster default strategy, and the service asked for it', async () => {
    const p = (
      await aws.ecs.send(
        new DescribeCapacityProvidersCommand({ capacityProviders: ['web-capacity'], include: ['TAGS'] }),
      )
    ).capacityProviders![0]!;
    expect(p.autoScalingGroupProvider).toMatchObject({
      managedScaling: { status: 'ENABLED', targetCapacity: 90 },
      managedTerminationProtection: 'ENABLED',
      managedDraining: 'ENABLED',
    });
    expect(p.autoScalingGroupProvider!.autoScalingGroupArn).toMatch(/autoScalingGroupName\/web-ecs$/);
    const c = (await aws.ecs.send(new DescribeClustersCommand({ clusters: ['web'] }))).clusters![0]!;
    expect(c.capacityProviders).toEqual(['web-capacity']);
    expect(c.defaultCapacityProviderStrategy).toEqual([{ capacityProvider: 'web-capacity', weight: 1, base: 0 }]);
    // moto drops capacityProviderStrategy from the service it stores, so read what was asked at the proxy.
    const create = proxy.calls.find((x) => x.operation === 'CreateService')!;
    const body = JSON.parse(create.body);
    expect(body.capacityProviderStrategy).toEqual([{ capacityProvider: 'web-capacity', weight: 1, base: 0 }]);
    expect(body.launchType).toBeUndefined();
  });

  it('status shows the group and the provider', async () => {
    const r = await runCli(['status', '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    const kinds = Object.fromEntries(
      (JSON.parse(r.stdout).resources as { kind: string; status: string }[]).map((x) => [x.kind, x.status]),
    );
    expect(kinds['auto scaling group']).toBe('desired 2, 2 in service (min 2, max 4)');
    expect(kinds['capacity provider']).toMatch(/^ACTIVE, target 90%, termination protection ENABLED/);
  });

  it('instances list shows the group beside its instances and their registration', async () => {
    const r = await runCli(['instances', 'list', '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.autoScalingGroup).toMatchObject({ name: 'web-ecs', exists: true, desired: 2, inService: 2 });
    expect(out.instances).toHaveLength(2);
    expect(out.instances.every((i: { containerInstance?: string }) => i.containerInstance)).toBe(true);
  });

  it('a rerun makes zero mutating calls', async () => {
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--target-capacity', '90', '--json'], opts, proxy, aws);
  });

  it('asking for the other mode on the live stack exits 2 before any call', async () => {
    const from = proxy.calls.length;
    const r = await runCli(['up', '--image', IMAGE, '--capacity', 'instances'], opts);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runs its container instances with --capacity asg/);
    expect(proxy.calls.length - from).toBe(0);
  });

  it('down leaves nothing (no group, template, provider or instance), ordered so AWS never refuses', async () => {
    const from = proxy.calls.length;
    const r = await runCli(['down', '--yes'], opts);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
    expect(await asgLeftovers()).toEqual({ groups: [], templates: [], providers: [] });
    const ops = proxy.calls.slice(from).map((c) => c.operation);
    const at = (op: string) => ops.indexOf(op);
    expect(at('DeleteService')).toBeLessThan(at('PutClusterCapacityProviders'));
    expect(at('PutClusterCapacityProviders')).toBeLessThan(at('SetInstanceProtection'));
    expect(at('SetInstanceProtection')).toBeLessThan(at('UpdateAutoScalingGroup'));
    expect(at('UpdateAutoScalingGroup')).toBeLessThan(at('DeleteCapacityProvider'));
    expect(at('DeleteCapacityProvider')).toBeLessThan(at('DeleteAutoScalingGroup'));
    expect(at('DeleteAutoScalingGroup')).toBeLessThan(at('DeleteLaunchTemplate'));
    expect(at('DeleteLaunchTemplate')).toBeLessThan(at('DeleteCluster'));
    // The provider stayed DELETE_IN_PROGRESS for a while and down waited it out.
    expect(rules.fired['ecs-provider-delete-in-progress']).toBeGreaterThan(1);
    expect(rules.fired['ecs-delete-provider-associated']).toBeUndefined();
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    expect(state.capacity).toBeUndefined();
  });

  it('down again is a no-op', async () => {
    const from = proxy.calls.length;
    const r = await runCli(['down', '--yes'], opts);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to delete/);
    expect(proxy.calls.slice(from).filter((c) => MUTATING.test(c.operation))).toEqual([]);
  });
});

describe('the strict rules the teardown order avoids', () => {
  it('AWS refuses each step out of order the way the rules say', async () => {
    // Build a stack, then take it apart out of order by hand through the proxy.
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-asg-rules-'));
    const o = { ...opts, cwd };
    const up = await runCli(
      ['up', '--name', 'rules', '--image', IMAGE, '--capacity', 'asg', '--instance-count', '1'],
      o,
    );
    expect(up.code, up.stderr.slice(-2000)).toBe(0);
    const { ECSClient, DeleteCapacityProviderCommand, PutClusterCapacityProvidersCommand } =
      await import('@aws-sdk/client-ecs');
    const { DeleteAutoScalingGroupCommand } = await import('@aws-sdk/client-auto-scaling');
    const via = {
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'AKIAX', secretAccessKey: 'x' },
      maxAttempts: 1,
    };
    const ecs = new ECSClient(via);
    const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'rules-capacity' }));
    expect(deleted.capacityProvider).toMatchObject({ status: 'ACTIVE', updateStatus: 'DELETE_FAILED' });
    expect(deleted.capacityProvider!.updateStatusReason).toMatch(/associated with cluster: rules/);
    await expect(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'rules',
          capacityProviders: [],
          defaultCapacityProviderStrategy: [],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await expect(
      new AutoScalingClient(via).send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'rules-ecs' })),
    ).rejects.toMatchObject({ name: 'ResourceInUseFault' });
    const down = await runCli(['down', '--yes'], o);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(await asgLeftovers()).toEqual({ groups: [], templates: [], providers: [] });
  });
});
