/**
 * `up`, `status`, `down` end to end: the built CLI against a live moto that reports services as
 * running, with the agent and scheduler stand-ins playing ECS. Every resource is read back through
 * the SDK; a rerun makes no mutating call (seen by a recording proxy); neighbours that are not
 * this stack's — one named exactly like its cluster but untagged, one of another stack — are
 * untouched; after `down` nothing tagged with the stack remains.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { collect, runCli, spawnCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

let moto: Moto;
let aws: VerifyClients;
let agent: StandinAgent;
let scheduler: Scheduler;
let opts: CliOptions;
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1';
const cli = (...args: string[]) => runCli(args, opts);
const readState = async () => JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10' });
  aws = verifyClients(moto.endpoint);
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-up-')),
    endpoint: moto.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
});
afterAll(async () => {
  await agent?.stop();
  await scheduler?.stop();
  await moto?.stop();
});

describe('up → status → down', () => {
  let neighbours: { clusterArn: string; sgId: string; tgArn: string };

  it('prints a dry-run plan with the aws commands it replaces, without any AWS call', async () => {
    const recorder = await startProxy(moto.endpoint, () => ({ kind: 'respond', status: 500, body: '{}' }));
    // No credentials at all: the plan comes from the state and the flags alone.
    const plan = await runCli(['up', '--name', 'web', '--image', IMAGE, '--dry-run'], {
      ...opts,
      endpoint: recorder.endpoint,
      env: { ...opts.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    await recorder.close();
    expect(plan.code, plan.stderr).toBe(0);
    expect(recorder.calls).toHaveLength(0);
    // Network discovery alone first; the rest of the first wave follows CreateLoadBalancer.
    expect(plan.stdout).toMatch(/^wave 1:\n {2}default VPC and subnets: /m);
    expect(plan.stdout).toMatch(/wave 4 \(\d+ in parallel\)/);
    expect(plan.stdout).toMatch(/ECR repository: create {3}after loadBalancer/);
    expect(plan.stdout).toContain('$ aws elbv2 create-load-balancer --name web-lb');
    expect(plan.stdout).toContain('$ aws ecs register-task-definition');
    // The load balancer is in the third wave: right after network discovery and its security group.
    const waves = plan.stdout.split(/^wave /m);
    expect(waves.findIndex((w) => w.includes('application load balancer: create'))).toBe(3);
  });

  it('creates the whole stack and leaves neighbours alone', async () => {
    const vpcId = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })))
      .Vpcs![0]!.VpcId!;
    neighbours = {
      clusterArn: (
        await aws.ecs.send(
          new CreateClusterCommand({ clusterName: 'shop', tags: [{ key: 'ecsctl:stack', value: 'shop' }] }),
        )
      ).cluster!.clusterArn!,
      sgId: (
        await aws.ec2.send(
          new CreateSecurityGroupCommand({ GroupName: 'shop-lb-sg', Description: 'not ours', VpcId: vpcId }),
        )
      ).GroupId!,
      tgArn: (
        await aws.elb.send(
          new CreateTargetGroupCommand({ Name: 'shop-tg', Protocol: 'HTTP', Port: 8080, VpcId: vpcId }),
        )
      ).TargetGroups![0]!.TargetGroupArn!,
    };

    const up = await cli('up', '--name', 'web', '--image', IMAGE, '--desired-count', '10', '--json');
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout);
    expect(result.url).toBe('http://web-lb-1.us-east-1.elb.amazonaws.com/');
    expect(up.stderr).toMatch(/✓ rollout and target health\s+done/);

    const state = await readState();
    const repo = await aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web'] }));
    expect(repo.repositories?.[0]?.repositoryUri).toBe(state.repository.uri);
    const cluster = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['web'] }));
    expect(cluster.clusters?.[0]).toMatchObject({ status: 'ACTIVE', registeredContainerInstancesCount: 2 });
    const instances = (
      await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: state.instances.ids }))
    ).Reservations!.flatMap((r) => r.Instances!);
    expect(instances).toHaveLength(2);
    for (const i of instances) {
      expect(i.State?.Name).toBe('running');
      expect(i.MetadataOptions?.HttpTokens).toBe('required');
      expect(i.SecurityGroups?.map((g) => g.GroupId)).toEqual([state.instanceSecurityGroup.id]);
    }
    const profile = await aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-ecs-instance' }));
    expect(profile.InstanceProfile?.Roles?.[0]?.RoleName).toBe('web-ecs-instance');
    const lb = (await aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['web-lb'] }))).LoadBalancers![0]!;
    expect(lb).toMatchObject({ Scheme: 'internet-facing', SecurityGroups: [state.lbSecurityGroup.id] });
    const listener = (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn })))
      .Listeners![0]!;
    expect(listener).toMatchObject({
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [expect.objectContaining({ Type: 'forward', TargetGroupArn: state.targetGroup.arn })],
    });
    const td = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: state.taskDefinition.arn }));
    expect(td.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      image: IMAGE,
      portMappings: [{ hostPort: 0, containerPort: 8080, protocol: 'tcp' }],
    });
    expect(td.taskDefinition?.containerDefinitions?.[0]?.logConfiguration?.options?.['awslogs-group']).toBe('/ecs/web');
    const svc = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] }))).services![0]!;
    expect(svc).toMatchObject({ status: 'ACTIVE', desiredCount: 10, launchType: 'EC2' });
    expect(svc.loadBalancers).toEqual([
      { targetGroupArn: state.targetGroup.arn, containerName: 'web', containerPort: 8080 },
    ]);
    expect(svc.roleArn).toBeUndefined();
    expect(svc.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    const groups = await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/web' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/ecs/web']);
  });

  it('changes nothing when run again, and says so for each step', async () => {
    const proxy = await startProxy(moto.endpoint);
    const again = await runCli(['up', '--image', IMAGE, '--json'], { ...opts, endpoint: proxy.endpoint });
    await proxy.close();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).summary).toMatch(/every step unchanged/);
    expect(proxy.calls.filter((c) => MUTATING.test(c.operation)).map((c) => c.operation)).toEqual([]);
  });

  it('scales with --desired-count and nothing else', async () => {
    const scaled = await cli('up', '--image', IMAGE, '--desired-count', '4', '--no-wait', '--json');
    expect(scaled.code, scaled.stderr).toBe(0);
    expect(JSON.parse(scaled.stdout).outcomes.service).toMatch(/desired count 10 → 4/);
    const svc = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] }))).services![0]!;
    expect(svc.desiredCount).toBe(4);
  });

  it('rolls out a new image as a new task definition revision, in place', async () => {
    const v2 = IMAGE.replace(':v0.1', ':v0.2');
    const rolled = await cli('up', '--image', v2, '--json');
    expect(rolled.code, rolled.stderr).toBe(0);
    const state = await readState();
    expect(state.taskDefinition.revision).toBe(2);
    const svc = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] }))).services![0]!;
    expect(svc.taskDefinition).toBe(state.taskDefinition.arn);
    expect(svc.serviceArn).toBe(state.service.arn); // the same service, updated, not re-created
  });

  it('stops on Ctrl-C after the calls in flight, exits 130, and a rerun finishes the job', async () => {
    const proxy = await startProxy(moto.endpoint, (call) =>
      call.operation === 'RegisterTaskDefinition' ? { kind: 'delay-response', ms: 1_500 } : { kind: 'pass' },
    );
    const v3 = IMAGE.replace(':v0.1', ':v0.3');
    const child = spawnCli(['up', '--image', v3], { ...opts, endpoint: proxy.endpoint });
    const done = collect(child);
    while (!proxy.calls.some((c) => c.operation === 'RegisterTaskDefinition'))
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const interrupted = await done;
    await proxy.close();
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted/);
    // The registration in flight finished and was recorded; the service was not touched yet.
    const state = await readState();
    expect(state.taskDefinition.revision).toBe(3);
    const before = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] })))
      .services![0]!;
    expect(before.taskDefinition).not.toBe(state.taskDefinition.arn);
    const rerun = await cli('up', '--image', v3);
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services: ['web'] })))
      .services![0]!;
    expect(after.taskDefinition).toBe(state.taskDefinition.arn);
  });

  it('reports every resource in status --json', async () => {
    const status = await cli('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed).toMatchObject({ stack: 'web', region: 'us-east-1', drift: 0 });
    expect(parsed.resources.map((r: { kind: string }) => r.kind)).toEqual([
      'repository',
      'image',
      'cluster',
      'security groups',
      'instance role',
      'instances',
      'log group',
      'task definition',
      'load balancer',
      'listener',
      'target group',
      'service',
    ]);
  });

  it('deletes everything, twice without complaint, and leaves the neighbours', async () => {
    const down = await cli('down', '--yes');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/stack web is down/);
    // One line per deletion: no line for what this stack never had (a domain, an Auto Scaling group).
    expect(down.stderr).toMatch(/load balancer security group +done/);
    expect(down.stderr).not.toMatch(/nothing recorded|alias record|capacity provider/);
    expect(await readState()).toEqual({ version: 1, name: 'web', region: 'us-east-1' });

    const tagged = async () => {
      const clusters = (await aws.ecs.send(new DescribeClustersCommand({ clusters: ['web'] }))).clusters!.filter(
        (c) => c.status === 'ACTIVE',
      );
      const services = (await aws.ecs.send(new ListServicesCommand({ cluster: 'web' }))).serviceArns ?? [];
      const live =
        (
          await aws.ec2.send(
            new DescribeInstancesCommand({
              Filters: [
                { Name: 'tag:ecsctl:stack', Values: ['web'] },
                { Name: 'instance-state-name', Values: ['pending', 'running'] },
              ],
            }),
          )
        ).Reservations ?? [];
      const sgs =
        (
          await aws.ec2.send(
            new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:ecsctl:stack', Values: ['web'] }] }),
          )
        ).SecurityGroups ?? [];
      const lbs = (await aws.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      const tgs = (await aws.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
      const repos = (await aws.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [];
      const logs = (await aws.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? [];
      const activeServices =
        services.length === 0
          ? []
          : (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'web', services }))).services!.filter(
              (s) => s.status !== 'INACTIVE',
            );
      return {
        clusters: clusters.length,
        services: activeServices.length,
        instances: live.length,
        sgs: sgs.length,
        lbs: lbs.length,
        tgs: tgs.filter((t) => t.TargetGroupName === 'web-tg').length,
        repos: repos.length,
        logs: logs.length,
      };
    };
    expect(await tagged()).toEqual({
      clusters: 0,
      services: 0,
      instances: 0,
      sgs: 0,
      lbs: 0,
      tgs: 0,
      repos: 0,
      logs: 0,
    });

    const again = await cli('down', '--yes');
    expect(again.code, again.stderr).toBe(0);
    // One line: no progress block for tasks that found nothing.
    expect(again.stdout).toBe('stack web: nothing to delete\n');
    expect(again.stderr).toBe('');

    // Neighbours: untouched.
    expect(
      (await aws.ecs.send(new DescribeClustersCommand({ clusters: [neighbours.clusterArn] }))).clusters?.[0]?.status,
    ).toBe('ACTIVE');
    expect(
      (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [neighbours.sgId] }))).SecurityGroups,
    ).toHaveLength(1);
    expect(
      (await aws.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [neighbours.tgArn] }))).TargetGroups,
    ).toHaveLength(1);
  });

  it("reports, and never deletes, a resource a hand-edited state names that is not the stack's", async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-edited-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(cwd, 'ecsctl.state.json'),
      JSON.stringify({
        version: 1,
        name: 'edited',
        region: 'us-east-1',
        cluster: { name: 'shop', arn: neighbours.clusterArn },
      }),
      { mode: 0o600 },
    );
    const down = await runCli(['down', '--yes'], { ...opts, cwd });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/ECS cluster shop exists but was not created by ecsctl for stack edited.*left alone/);
    expect(
      (await aws.ecs.send(new DescribeClustersCommand({ clusters: [neighbours.clusterArn] }))).clusters?.[0]?.status,
    ).toBe('ACTIVE');
  });
});
