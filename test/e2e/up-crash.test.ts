/**
 * `up` killed (SIGKILL) at several points spread over its run — each time while a create call has
 * reached AWS but before its answer, the worst moment — and rerun each time. Afterwards there is
 * exactly one of each resource, the state is parseable after every kill, and `down` leaves nothing.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ListServicesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { collect, runCli, spawnCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/crash:v1';
let moto: Moto;
let aws: VerifyClients;
let agent: StandinAgent;
let scheduler: Scheduler;
let proxy: Proxy;
let holding = '';
let opts: CliOptions;

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10' });
  aws = verifyClients(moto.endpoint);
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  proxy = await startProxy(moto.endpoint, (call) =>
    call.operation === holding ? { kind: 'delay-response', ms: 60_000 } : { kind: 'pass' },
  );
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-up-crash-')),
    endpoint: proxy.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
});
afterAll(async () => {
  await proxy?.close();
  await agent?.stop();
  await scheduler?.stop();
  await moto?.stop();
});

const up = (name: string) => ['up', '--name', name, '--image', IMAGE, '--desired-count', '10'];

/** Starts `args` in `cwd`, waits until `operation` has reached moto, then SIGKILLs the process. */
/** Until moto has answered the held call: AWS has acted, the CLI has not heard. */
async function untilAnswered(operation: string, from: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!proxy.calls.slice(from).some((c) => c.operation === operation && c.answered)) {
    if (Date.now() > deadline) throw new Error(`moto never answered ${operation}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killDuring(operation: string, args: string[], cwd: string): Promise<void> {
  holding = operation;
  const seen = proxy.calls.length;
  const child = spawnCli(args, { ...opts, cwd });
  const done = collect(child);
  let exited: string | undefined;
  void done.then((r) => {
    exited = `exited ${r.code}: ${r.stderr
      .split('\n')
      .filter((l) => l.startsWith('error'))
      .join(' ')}`;
  });
  const deadline = Date.now() + 60_000;
  while (!proxy.calls.slice(seen).some((c) => c.operation === operation)) {
    if (exited) throw new Error(`${operation} was never called: the run ${exited}`);
    if (Date.now() > deadline) throw new Error(`${operation} was never called`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await untilAnswered(operation, seen);
  child.kill('SIGKILL');
  expect((await done).signal).toBe('SIGKILL');
  holding = '';
  const path = join(cwd, 'ecsctl.state.json');
  if (existsSync(path)) JSON.parse(await readFile(path, 'utf8')); // throws if a kill ever left a torn file
}

/** What moto holds for the stack, read directly. */
async function inventory(name: string) {
  const lbs = (await aws.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.filter(
    (l) => l.LoadBalancerName === `${name}-lb`,
  );
  const tgs = (await aws.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups!.filter(
    (t) => t.TargetGroupName === `${name}-tg`,
  );
  const instances = (
    await aws.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:ecsctl:stack', Values: [name] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    )
  ).Reservations!.flatMap((r) => r.Instances!);
  const revisions =
    (await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: name }))).taskDefinitionArns ?? [];
  const serviceArns =
    (await aws.ecs.send(new ListServicesCommand({ cluster: name })).catch(() => ({ serviceArns: [] }))).serviceArns ??
    [];
  const services =
    serviceArns.length === 0
      ? []
      : (await aws.ecs.send(new DescribeServicesCommand({ cluster: name, services: serviceArns }))).services!.filter(
          (s) => s.status === 'ACTIVE',
        );
  return { lbs, tgs, instances, revisions, services };
}

// Spread over the run: early (the ALB), middle (instances, task definition), late (the service).
const killPoints = ['CreateLoadBalancer', 'RunInstances', 'RegisterTaskDefinition', 'CreateService'];

describe.each(killPoints.map((op, i) => [op, `crash${i}`] as const))(
  'up killed while %s is in flight',
  (operation, name) => {
    let cwd: string;

    it('dies with the call made and the answer not heard', async () => {
      cwd = await mkdtemp(join(tmpdir(), `ecsctl-up-crash-${name}-`));
      await killDuring(operation, up(name), cwd);
    });

    it('converges on the rerun to exactly one of each resource', async () => {
      const rerun = await runCli(up(name), { ...opts, cwd });
      expect(rerun.code, rerun.stderr).toBe(0);
      const state = JSON.parse(await readFile(join(cwd, 'ecsctl.state.json'), 'utf8'));
      const live = await inventory(name);
      expect(live.lbs.map((l) => l.LoadBalancerArn)).toEqual([state.loadBalancer.arn]);
      expect(live.tgs.map((t) => t.TargetGroupArn)).toEqual([state.targetGroup.arn]);
      expect(live.instances.map((i) => i.InstanceId).sort()).toEqual([...state.instances.ids].sort());
      expect(live.instances).toHaveLength(2);
      expect(live.revisions).toEqual([state.taskDefinition.arn]);
      expect(live.services.map((s) => s.serviceArn)).toEqual([state.service.arn]);
    });

    it('is then taken down completely', async () => {
      const down = await runCli(['down', '--yes'], { ...opts, cwd });
      expect(down.code, down.stderr).toBe(0);
      const live = await inventory(name);
      expect({
        lbs: live.lbs.length,
        tgs: live.tgs.length,
        instances: live.instances.length,
        services: live.services.length,
        revisions: live.revisions.length,
      }).toEqual({ lbs: 0, tgs: 0, instances: 0, services: 0, revisions: 0 });
    });
  },
);
