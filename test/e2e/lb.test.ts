/**
 * lb end to end: the built CLI against a live moto, read back through the SDK (not through
 * ecsctl): create (no network recorded → default VPC) → show → rerun (no duplicates, same ARNs)
 * → delete (nothing left). moto's DNS names do not resolve, so `lb probe` is exercised with --url
 * against a local server on 127.0.0.1 that rotates hostnames.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { startBackends, type Backends } from '../harness/backends.js';

let moto: Moto;
let aws: VerifyClients;
let opts: CliOptions;
const readState = async (o: CliOptions = opts) => JSON.parse(await readFile(join(o.cwd, 'ecsctl.state.json'), 'utf8'));
const cli = (...args: string[]) => runCli(args, opts);
const OURS = { Key: 'ecsctl:stack', Value: 'web' };

beforeAll(async () => {
  moto = await startMoto();
  aws = verifyClients(moto.endpoint);
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-lb-')), endpoint: moto.endpoint };
});
afterAll(async () => moto?.stop());

const allLoadBalancers = async () => (await aws.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
const allTargetGroups = async () => (await aws.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
const tagsOf = async (arn: string) =>
  (await aws.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags ?? [];

describe('lb create → show → rerun → delete', () => {
  it('builds the tuned target group, ALB and listener in the default VPC, converges on rerun, and removes everything', async () => {
    const created = await cli('lb', 'create', '--name', 'web', '--json');
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout);
    expect(first).toMatchObject({
      outcome: 'created',
      loadBalancer: { name: 'web-lb', state: 'active' },
      targetGroup: { name: 'web-tg' },
    });
    expect(created.stderr).toMatch(/load balancer web-lb to become active: active \(\d+s\)/);
    const state = await readState();

    // The network was discovered (no network recorded): the default VPC, one subnet per AZ for the ALB.
    const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: first.subnets }))).Subnets ?? [];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    expect(new Set(subnets.map((s) => s.AvailabilityZone)).size).toBe(subnets.length);
    expect(subnets.every((s) => s.VpcId === state.network.vpcId && s.DefaultForAz)).toBe(true);

    // Target group: health check and deregistration delay as tuned.
    const [tg] = (await aws.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups!;
    expect(tg).toMatchObject({
      TargetGroupArn: state.targetGroup.arn,
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: state.network.vpcId,
      TargetType: 'instance',
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
    });
    const attrs =
      (await aws.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg!.TargetGroupArn })))
        .Attributes ?? [];
    expect(attrs).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '15' });
    expect(await tagsOf(tg!.TargetGroupArn!)).toContainEqual(OURS);

    // Load balancer: internet-facing application in those subnets with only the LB security group.
    const [lb] = (await aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['web-lb'] }))).LoadBalancers!;
    expect(lb).toMatchObject({
      LoadBalancerArn: state.loadBalancer.arn,
      DNSName: state.loadBalancer.dnsName,
      Type: 'application',
      Scheme: 'internet-facing',
    });
    expect(lb!.SecurityGroups).toEqual([state.lbSecurityGroup.id]);
    expect((lb!.AvailabilityZones ?? []).map((z) => z.SubnetId).sort()).toEqual([...first.subnets].sort());
    expect(await tagsOf(lb!.LoadBalancerArn!)).toContainEqual(OURS);

    // Listener: HTTP:80 forwarding to the target group.
    const listeners =
      (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb!.LoadBalancerArn }))).Listeners ?? [];
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toMatchObject({ ListenerArn: state.listener.arn, Port: 80, Protocol: 'HTTP' });
    expect(listeners[0]!.DefaultActions?.[0]).toMatchObject({ Type: 'forward', TargetGroupArn: tg!.TargetGroupArn });
    expect(await tagsOf(listeners[0]!.ListenerArn!)).toContainEqual(OURS);

    // LB security group: only tcp 80 from anywhere.
    const [sg] = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.lbSecurityGroup.id] })))
      .SecurityGroups!;
    expect(sg!.GroupName).toBe('web-lb-sg');
    expect(sg!.IpPermissions).toHaveLength(1);
    expect(sg!.IpPermissions![0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80 });
    expect(sg!.IpPermissions![0]!.IpRanges?.map((r) => r.CidrIp)).toEqual(['0.0.0.0/0']);

    const shown = await cli('lb', 'show', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      loadBalancer: {
        exists: true,
        arn: lb!.LoadBalancerArn,
        state: 'active',
        scheme: 'internet-facing',
        url: `http://${lb!.DNSName}`,
      },
      targetGroup: {
        exists: true,
        arn: tg!.TargetGroupArn,
        deregistrationDelaySeconds: 15,
        healthCheck: { intervalSeconds: 5, healthyThreshold: 2 },
      },
      listener: { exists: true, port: 80, forwardsTo: tg!.TargetGroupArn },
    });

    const again = await cli('lb', 'create', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      outcome: 'unchanged',
      loadBalancer: { arn: lb!.LoadBalancerArn, outcome: 'unchanged' },
      targetGroup: { arn: tg!.TargetGroupArn, outcome: 'unchanged' },
      listener: { arn: listeners[0]!.ListenerArn, outcome: 'unchanged' },
    });
    expect((await allLoadBalancers()).filter((l) => l.LoadBalancerName === 'web-lb')).toHaveLength(1);
    expect((await allTargetGroups()).filter((t) => t.TargetGroupName === 'web-tg')).toHaveLength(1);
    expect(
      (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb!.LoadBalancerArn }))).Listeners,
    ).toHaveLength(1);

    const deleted = await cli('lb', 'delete', '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({
      listener: 'deleted',
      loadBalancer: 'deleted',
      targetGroup: 'deleted',
      securityGroup: 'deleted',
    });
    await expect(aws.elb.send(new DescribeLoadBalancersCommand({ Names: ['web-lb'] }))).rejects.toMatchObject({
      name: 'LoadBalancerNotFoundException',
    });
    await expect(aws.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
    await expect(
      aws.elb.send(new DescribeListenersCommand({ ListenerArns: [listeners[0]!.ListenerArn!] })),
    ).rejects.toBeDefined();
    const groups =
      (
        await aws.ec2.send(
          new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web-lb-sg'] }] }),
        )
      ).SecurityGroups ?? [];
    expect(groups).toEqual([]);
    const after = await readState();
    for (const key of ['listener', 'loadBalancer', 'targetGroup', 'lbSecurityGroup'])
      expect(after[key]).toBeUndefined();

    const twice = await cli('lb', 'delete', '--yes', '--json');
    expect(twice.code, twice.stderr).toBe(0);
    expect(JSON.parse(twice.stdout)).toEqual({
      listener: 'absent',
      loadBalancer: 'absent',
      targetGroup: 'absent',
      securityGroup: 'absent',
    });
  });

  it('refuses a same-named target group without the stack tag and creates nothing', async () => {
    const other = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-lb-')), endpoint: moto.endpoint };
    const vpcId = (await readState()).network.vpcId;
    const foreign = (
      await aws.elb.send(new CreateTargetGroupCommand({ Name: 'shop-tg', Protocol: 'HTTP', Port: 8080, VpcId: vpcId }))
    ).TargetGroups![0]!;
    const r = await runCli(['lb', 'create', '--name', 'shop'], other);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: target group shop-tg exists but was not created by ecsctl for stack shop/m);
    expect((await allLoadBalancers()).filter((l) => l.LoadBalancerName === 'shop-lb')).toEqual([]);
    const groups =
      (
        await aws.ec2.send(
          new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['shop-lb-sg'] }] }),
        )
      ).SecurityGroups ?? [];
    expect(groups).toEqual([]);
    expect(
      (await aws.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: foreign.TargetGroupArn })))
        .Attributes,
    ).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '300' }); // untouched
    await aws.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: foreign.TargetGroupArn }));
  });

  it('rejects bad flags with exit 2 before any AWS call', async () => {
    for (const args of [
      ['--health-check-timeout', '6s'],
      ['--deregistration-delay', '2h'],
      ['--ingress-cidr', '10.0.0.0/33'],
      ['--health-check-path', 'health'],
    ]) {
      const r = await runCli(['lb', 'create', '--name', 'web', ...args], { ...opts, endpoint: 'http://127.0.0.1:9' });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('lb probe --url against a local server on 127.0.0.1', () => {
  let server: Backends | undefined;
  afterEach(async () => server?.close());

  it('prints each status and a table of the rotating hostnames, and exits 0', async () => {
    server = await startBackends({ hostnames: ['ip-172-31-1-10', 'ip-172-31-2-20'] });
    const r = await runCli(['lb', 'probe', '--url', server.url, '--requests', '6'], opts);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/^ {2}\[\d\/6\] 200 \d+ms ip-172-31-\d-\d0$/gm)).toHaveLength(6);
    expect(r.stdout).toMatch(/^ip-172-31-1-10\s+3$/m);
    expect(r.stdout).toMatch(/^ip-172-31-2-20\s+3$/m);
    expect(r.stdout).toMatch(/6 requests to .*: 6 ok, 0 failed; 2 distinct backends \(at least 2 required\)/);
    expect(server.count()).toBe(6);
  });

  it('exits 1 when a backend fails, without retrying it', async () => {
    server = await startBackends({ hostnames: ['task-a', 'task-b', 'task-c'], fail: (n) => n === 3 });
    const r = await runCli(['lb', 'probe', '--url', server.url, '--requests', '5', '--json'], opts);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ passed: false, failed: 1, failures: [{ n: 3, status: 503 }] });
    expect(r.stderr).toMatch(/^error: probe failed: 1 of 5 requests failed$/m);
    expect(server.count()).toBe(5);
  });

  it('exits 1 when only one backend answers, unless --min-backends 1', async () => {
    server = await startBackends({ hostnames: ['only-task'] });
    const one = await runCli(['lb', 'probe', '--url', server.url, '--requests', '3'], opts);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/1 distinct backend answered, fewer than the 2 required/);
    const ok = await runCli(['lb', 'probe', '--url', server.url, '--requests', '3', '--min-backends', '1'], opts);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
