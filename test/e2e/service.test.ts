/**
 * service end to end: the built CLI against a live moto that reports services as running
 * (MOTO_ECS_SERVICE_RUNNING=10), with the scheduler stand-in registering targets as ECS would,
 * so every wait runs its full path. Prerequisites that other commands own (instances, target
 * group, load balancer) are made through the SDK; results are read back through the SDK.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  ListContainerInstancesCommand,
  RegisterContainerInstanceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, DescribeVpcsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

let moto: Moto;
let aws: VerifyClients;
let opts: CliOptions;
let scheduler: Scheduler;
const schedulerLog: string[] = [];
const stateFile = () => join(opts.cwd, 'ecsctl.state.json');
const readState = async () => JSON.parse(await readFile(stateFile(), 'utf8'));
const cli = (...args: string[]) => runCli(args, opts);
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1';

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10' });
  aws = verifyClients(moto.endpoint);
  // Poll every 300 ms instead of 3 s: same code path, a tenth of the waiting.
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-service-')),
    endpoint: moto.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 300, log: (l) => schedulerLog.push(l) });
});
afterAll(async () => {
  await scheduler?.stop();
  await moto?.stop();
});

/** Cluster and task definition through ecsctl; instances, target group and ALB through the SDK. */
async function prerequisites(): Promise<{ tgArn: string; instanceIds: string[] }> {
  expect((await cli('cluster', 'create', '--name', 'web')).code).toBe(0);
  expect((await cli('taskdef', 'register', '--image', IMAGE)).code).toBe(0);

  const run = await aws.ec2.send(
    new RunInstancesCommand({ ImageId: 'ami-0aae19d30bab785d3', InstanceType: 't3.micro', MinCount: 2, MaxCount: 2 }),
  );
  const instanceIds = run.Instances!.map((i) => i.InstanceId!);
  // What the ECS agent on each instance would do (moto runs no agent).
  for (const id of instanceIds) {
    await aws.ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: 'web',
        instanceIdentityDocument: JSON.stringify({ instanceId: id }),
      }),
    );
  }

  const vpcId = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })))
    .Vpcs![0]!.VpcId!;
  const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
    .Subnets!;
  const tags = [{ Key: 'ecsctl:stack', Value: 'web' }];
  const tg = (
    await aws.elb.send(
      new CreateTargetGroupCommand({
        Name: 'web-tg',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: vpcId,
        TargetType: 'instance',
        Tags: tags,
      }),
    )
  ).TargetGroups![0]!;
  const lb = (
    await aws.elb.send(
      new CreateLoadBalancerCommand({
        Name: 'web-lb',
        Subnets: subnets.slice(0, 2).map((s) => s.SubnetId!),
        Tags: tags,
      }),
    )
  ).LoadBalancers![0]!;
  await aws.elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
      Tags: tags,
    }),
  );
  // The section `ecsctl lb create` would have recorded.
  await writeFile(
    stateFile(),
    JSON.stringify({ ...(await readState()), targetGroup: { name: 'web-tg', arn: tg.TargetGroupArn } }, null, 2),
  );
  return { tgArn: tg.TargetGroupArn!, instanceIds };
}

const liveService = async () =>
  (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'], include: ['TAGS'] })))
    .services![0]!;

describe('service', () => {
  it('refuses bad flags with exit 2 before any AWS call', async () => {
    const bad = await cli('service', 'create', '--name', 'web', '--desired-count', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--desired-count must be a whole number from 0 to 5000/);
  });

  it('create without LB → attach LB in place → show → scale → delete, read back through the SDK', async () => {
    const { tgArn, instanceIds } = await prerequisites();

    const created = await cli('service', 'create', '--no-lb', '--json');
    expect(created.code, created.stderr).toBe(0);
    const c = JSON.parse(created.stdout);
    expect(c).toMatchObject({ outcome: 'created', rollout: { line: '10/10 running, rollout COMPLETED' } });
    let svc = await liveService();
    expect(svc).toMatchObject({ status: 'ACTIVE', desiredCount: 10, launchType: 'EC2', loadBalancers: [] });
    expect(svc.roleArn).toBeUndefined();
    expect(svc.tags).toContainEqual({ key: 'ecsctl:stack', value: 'web' });
    expect((await readState()).service).toEqual({ name: 'web', arn: svc.serviceArn });

    // In place: UpdateService with loadBalancers, no delete/re-create (same ARN, same deployment).
    const attached = await cli('service', 'update', '--attach-lb', '--json');
    expect(attached.code, attached.stderr).toBe(0);
    const a = JSON.parse(attached.stdout);
    expect(a.outcome).toBe('updated');
    expect(a.changes).toContain('target group none → web-tg (web:8080)');
    // Done once every registered target is healthy: the polls now look at once, so the rollout may
    // end while the scheduler stand-in has registered one instance's target of two.
    expect(a.rollout.line).toMatch(/^10\/10 running, [12]\/10 healthy, rollout COMPLETED$/);
    const before = svc;
    svc = await liveService();
    expect(svc.serviceArn).toBe(before.serviceArn);
    expect(svc.deployments?.[0]?.id).toBe(before.deployments?.[0]?.id);
    expect(svc.loadBalancers).toEqual([{ targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 }]);
    expect(svc.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    expect(svc.healthCheckGracePeriodSeconds).toBe(30);
    expect(svc.roleArn).toBeUndefined();
    const registeredTargets = async () =>
      ((await aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? [])
        .map((h) => h.Target?.Id)
        .sort();
    await expect.poll(registeredTargets, { timeout: 20_000, interval: 200 }).toEqual([...instanceIds].sort());
    expect(schedulerLog.some((l) => l.startsWith('[stand-in for the ECS scheduler] registered'))).toBe(true);

    // Nothing left to change: no mutating call, "unchanged".
    const again = await cli('service', 'update', '--attach-lb', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', changes: [] });

    const shown = await cli('service', 'show');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('web ACTIVE (REPLICA, EC2) in cluster web');
    expect(shown.stdout).toContain('circuit breaker  on, rollback on; min 50% / max 200%');
    expect(shown.stdout).toContain('load balancer    web-tg → web:8080, health check grace 30s');
    expect(shown.stdout).toContain('targets          2 registered: 2 healthy');
    expect(shown.stdout).toMatch(/PRIMARY\s+ecs-svc\/\d+ web:1 rollout COMPLETED/);
    const shownJson = JSON.parse((await cli('service', 'show', '--json')).stdout);
    expect(shownJson).toMatchObject({ exists: true, desired: 10, targetSummary: { registered: 2, healthy: 2 } });

    // An instance leaves the cluster: the stand-in deregisters its target, as ECS would.
    const ci = (await aws.ecs.send(new ListContainerInstancesCommand({ cluster: 'web' }))).containerInstanceArns!;
    const leaving = (
      await aws.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: ci }))
    ).containerInstances!.find((x) => x.ec2InstanceId === instanceIds[1])!;
    await aws.ecs.send(
      new DeregisterContainerInstanceCommand({
        cluster: 'web',
        containerInstance: leaving.containerInstanceArn,
        force: true,
      }),
    );
    const deadline = Date.now() + 10_000;
    let targetIds: string[] = [];
    do {
      await new Promise((r) => setTimeout(r, 200));
      targetIds = (
        await aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))
      ).TargetHealthDescriptions!.map((h) => h.Target!.Id!);
    } while (targetIds.length !== 1 && Date.now() < deadline);
    expect(targetIds).toEqual([instanceIds[0]]);

    // Every registered target healthy is enough: never healthy == desired (moto keys targets by instance).
    const scaled = await cli('service', 'update', '--desired-count', '4', '--json');
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(JSON.parse(scaled.stdout)).toMatchObject({
      outcome: 'updated',
      changes: ['desired count 10 → 4'],
      rollout: { line: '4/4 running, 1/4 healthy, rollout COMPLETED' },
    });
    expect((await liveService()).desiredCount).toBe(4);

    const deleted = await cli('service', 'delete', '--yes');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted: arn:aws:ecs:/);
    expect(await liveService()).toMatchObject({ status: 'INACTIVE', desiredCount: 0 });
    expect((await readState()).service).toBeUndefined();
    expect((await cli('service', 'delete', '--yes')).stdout.trim()).toBe('absent');
  });

  it('waits, bounded, for a container instance before creating and exits 4 with a clear message', async () => {
    const other = { ...opts, env: { ...opts.env, ECSCTL_STATE: join(opts.cwd, 'lonely.state.json') } };
    expect((await runCli(['cluster', 'create', '--name', 'lonely'], other)).code).toBe(0);
    expect((await runCli(['taskdef', 'register', '--image', IMAGE], other)).code).toBe(0);
    const r = await runCli(['service', 'create', '--wait-timeout', '2s'], other);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /error: timed out after \d+s waiting for a container instance to register in cluster lonely\. Launch instances with `ecsctl instances create`/,
    );
    const left = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'lonely', services: ['lonely'] }));
    expect(left.services ?? []).toHaveLength(0);
  });
});
