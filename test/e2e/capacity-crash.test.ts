/**
 * SIGKILL at every create and delete point of the `--capacity asg` path (as the reliability suite
 * does for the rest): the proxy forwards each held call to moto and holds the answer, the CLI is
 * killed right then, and the same command runs again until a run reaches no held point. The
 * strict capacity rules stay on. After `up`: exactly one template, group and provider, the group's
 * instances registered, a rerun changes nothing. After `down`: nothing left, no lock.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import { DescribeCapacityProvidersCommand } from '@aws-sdk/client-ecs';
import { collect, spawnCli, type CliOptions } from '../harness/cli.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { counts, EMPTY, inventory } from '../harness/inventory.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';
import { capacityRules, withCapacityRules } from '../harness/strict-capacity.js';

const UP_POINTS = [
  'CreateLaunchTemplate',
  'CreateAutoScalingGroup',
  'CreateCapacityProvider',
  'PutClusterCapacityProviders',
  'CreateService',
];
const DOWN_POINTS = [
  'DeleteService',
  'PutClusterCapacityProviders',
  'SetInstanceProtection',
  'UpdateAutoScalingGroup',
  'DeregisterContainerInstance',
  'DeleteCapacityProvider',
  'DeleteAutoScalingGroup',
  'DeleteLaunchTemplate',
  'DeleteCluster',
];

let world: UpWorld;
let aws: VerifyClients;
let asg: AutoScalingClient;
let proxy: Proxy;
let opts: CliOptions;
const holding = new Set<string>();

beforeAll(async () => {
  world = await startUpWorld();
  aws = verifyClients(world.moto.endpoint);
  asg = new AutoScalingClient({
    region: 'us-east-1',
    endpoint: world.moto.endpoint,
    credentials: { accessKeyId: 'AKIAECSCTLTEST000000', secretAccessKey: 'verify' },
  });
  const rules = capacityRules(world.moto.endpoint, { deleteInProgressMs: 1_500 });
  proxy = await startProxy(
    world.moto.endpoint,
    withCapacityRules(rules, (call) =>
      holding.has(call.operation) ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' },
    ),
  );
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-asg-crash-')),
    endpoint: proxy.endpoint,
    env: FAST,
    timeoutMs: 170_000,
  };
});
afterAll(async () => {
  await proxy?.close();
  await world?.stop();
});

const statePath = () => join(opts.cwd, 'ecsctl.state.json');

async function runKillingAtFirst(args: string[], points: Set<string>): Promise<string | undefined> {
  for (const p of points) holding.add(p);
  const from = proxy.calls.length;
  const child = spawnCli(args, opts);
  const done = collect(child, { timeoutMs: 170_000 });
  let exited = false;
  void done.then(() => (exited = true));
  let hit: string | undefined;
  while (!exited && !hit) {
    hit = proxy.calls.slice(from).find((c) => points.has(c.operation))?.operation;
    if (!hit) await new Promise((r) => setTimeout(r, 20));
  }
  if (hit) {
    await new Promise((r) => setTimeout(r, 300)); // moto has acted and answered the proxy by now
    child.kill('SIGKILL');
  }
  const result = await done;
  holding.clear();
  if (!hit) {
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    return undefined;
  }
  expect(result.signal).toBe('SIGKILL');
  return hit;
}

async function killRepeatedly(args: string[], candidates: string[]): Promise<string[]> {
  const left = new Set(candidates);
  const kills: string[] = [];
  for (;;) {
    const hit = await runKillingAtFirst(args, left);
    if (existsSync(statePath())) JSON.parse(await readFile(statePath(), 'utf8')); // never torn
    if (!hit) return kills;
    kills.push(hit);
    left.delete(hit);
  }
}

async function capacityInventory() {
  const groups = (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  const templates = (await aws.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
  const providers =
    (await aws.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['web-capacity'] })))
      .capacityProviders ?? [];
  return {
    groups: groups.map((g) => `${g.AutoScalingGroupName} ${g.Instances?.length}`),
    templates: templates.map((t) => t.LaunchTemplateName),
    providers: providers.filter((p) => p.status === 'ACTIVE').map((p) => p.name),
  };
}

describe('SIGKILL on the asg path, then the same command again', () => {
  it('up --capacity asg: killed at each create point, reruns converge on one of each', async () => {
    const args = ['up', '--name', 'web', '--image', IMAGE, '--capacity', 'asg'];
    const kills = await killRepeatedly(args, UP_POINTS);
    console.log(`up --capacity asg kill points (${kills.length}): ${kills.join(', ')}`);
    expect(kills).toEqual(UP_POINTS);
    expect(await capacityInventory()).toEqual({
      groups: ['web-ecs 2'],
      templates: ['web-ecs'],
      providers: ['web-capacity'],
    });
    const live = counts(await inventory(aws));
    expect({ instances: live.instances, containerInstances: live.containerInstances, services: live.services }).toEqual(
      {
        instances: 2,
        containerInstances: 2,
        services: 1,
      },
    );
    const state = JSON.parse(await readFile(statePath(), 'utf8'));
    expect(state.capacity).toMatchObject({
      mode: 'asg',
      launchTemplate: { name: 'web-ecs', version: 1 },
      autoScalingGroup: { name: 'web-ecs' },
      capacityProvider: { name: 'web-capacity' },
    });
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--json'], opts, proxy, aws);
  }, 900_000);

  it('down: killed at each delete point of the asg path, reruns leave nothing and never hang', async () => {
    const kills = await killRepeatedly(['down', '--yes'], DOWN_POINTS);
    console.log(`down (asg) kill points (${kills.length}): ${kills.join(', ')}`);
    expect(kills.length).toBeGreaterThanOrEqual(7);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
    expect(await capacityInventory()).toEqual({ groups: [], templates: [], providers: [] });
    expect(existsSync(`${statePath()}.lock`)).toBe(false);
  }, 900_000);
});
