/**
 * The strict-AWS proxy's rules: each one triggers on what it models and stops (window, times,
 * switched off); and what it puts on the wire is read by the real SDK clients as the same
 * exception a real account gives (name, message, status).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecurityGroupCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  albUnsupportedZone,
  clusterKeepsInstances,
  createServiceNotIdempotent,
  deletedLoadBalancerTags,
  names,
  newInstanceNotVisible,
  newSecurityGroupNotVisible,
  partitions,
  privateSubnets,
  quota,
  serviceLinkedRole,
  startStrictProxy,
  targetGroupKeepsListener,
  taskDefinitionDefaults,
  type Rule,
  type StrictCall,
  type StrictProxy,
} from '../../harness/strict/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const call = (service: string, operation: string, params: Record<string, unknown> = {}, region = 'us-east-1') =>
  ({ service, operation, params, region, body: '' }) as StrictCall;
const answers = (r: Rule, c: StrictCall, now: number) => r.before?.(c, now)?.kind === 'respond';

describe('each rule triggers, and stops', () => {
  it('ecs-service-linked-role: CreateCluster refused for the window after the first call, then passes', () => {
    const r = serviceLinkedRole({ windowMs: 1_000 });
    expect(answers(r, call('ECS', 'CreateCluster'), 0)).toBe(true);
    expect(answers(r, call('ECS', 'CreateService'), 900)).toBe(true);
    expect(answers(r, call('ECS', 'CreateCluster'), 1_000)).toBe(false);
    expect(answers(r, call('ECS', 'DescribeClusters'), 10)).toBe(false);
    expect(r.fired).toBe(2);
  });

  it('ec2-new-security-group-not-visible: only calls naming the new ID, only inside the window', () => {
    const r = newSecurityGroupNotVisible({ windowMs: 1_000 });
    r.after!(call('EC2', 'CreateSecurityGroup'), 200, '<groupId>sg-0abc</groupId>', 0);
    expect(answers(r, call('EC2', 'AuthorizeSecurityGroupIngress', { GroupId: 'sg-0abc' }), 10)).toBe(true);
    expect(answers(r, call('EC2', 'AuthorizeSecurityGroupIngress', { GroupId: 'sg-0def' }), 10)).toBe(false);
    const lb = r.before!(
      call('ELASTICLOADBALANCING', 'CreateLoadBalancer', { 'SecurityGroups.member.1': 'sg-0abc' }),
      20,
    );
    expect(lb?.kind === 'respond' && lb.body).toContain('<Code>InvalidSecurityGroup</Code>');
    expect(answers(r, call('EC2', 'RunInstances', { 'SecurityGroupId.1': 'sg-0abc' }), 1_000)).toBe(false);
  });

  it('a seeded rate hits the same calls on every run', () => {
    const run = () => {
      const r = newSecurityGroupNotVisible({ windowMs: 10_000, rate: 0.5, seed: 7 });
      r.after!(call('EC2', 'CreateSecurityGroup'), 200, '<groupId>sg-0abc</groupId>', 0);
      return Array.from({ length: 20 }, (_, i) => answers(r, call('EC2', 'RunInstances', { x: 'sg-0abc' }), i));
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(3);
    expect(first.filter(Boolean).length).toBeLessThan(17);
  });

  it('ec2-new-instance-not-visible: explicit InstanceId.N of a just-launched instance, at most `times`', () => {
    const r = newInstanceNotVisible({ windowMs: 5_000, times: 1 });
    r.after!(call('EC2', 'RunInstances'), 200, '<instanceId>i-0aa</instanceId><instanceId>i-0bb</instanceId>', 0);
    expect(answers(r, call('EC2', 'DescribeInstances', { 'Filter.1.Value.1': 'i-0aa' }), 1)).toBe(false);
    expect(answers(r, call('EC2', 'TerminateInstances', { 'InstanceId.1': 'i-0bb' }), 1)).toBe(true);
    expect(answers(r, call('EC2', 'TerminateInstances', { 'InstanceId.1': 'i-0bb' }), 2)).toBe(false);
  });

  it('quota: answers every call of its operation until switched off', () => {
    const r = quota('VcpuLimitExceeded');
    expect(answers(r, call('EC2', 'RunInstances'), 0)).toBe(true);
    expect(answers(r, call('EC2', 'RunInstances'), 99_999)).toBe(true);
    r.enabled = false;
    expect(answers(r, call('EC2', 'RunInstances'), 0)).toBe(false);
  });

  it('elb-unsupported-zone: a subnet of that zone in CreateLoadBalancer; not without it', () => {
    const r = albUnsupportedZone('us-east-1e', ['subnet-e']);
    expect(answers(r, call('ELASTICLOADBALANCING', 'CreateLoadBalancer', { 'Subnets.member.3': 'subnet-e' }), 0)).toBe(
      true,
    );
    expect(answers(r, call('ELASTICLOADBALANCING', 'CreateLoadBalancer', { 'Subnets.member.1': 'subnet-a' }), 0)).toBe(
      false,
    );
  });

  it('iam-arn-partition: an aws ARN in cn-north-1 is refused, an aws-cn one passes', () => {
    const r = partitions();
    const attach = (arn: string) => call('IAM', 'AttachRolePolicy', { PolicyArn: arn }, 'cn-north-1');
    expect(answers(r, attach('arn:aws:iam::aws:policy/x'), 0)).toBe(true);
    expect(answers(r, attach('arn:aws-cn:iam::aws:policy/x'), 0)).toBe(false);
    expect(answers(r, call('IAM', 'AttachRolePolicy', { PolicyArn: 'arn:aws:iam::aws:policy/x' }), 0)).toBe(false);
  });

  it('aws-name-rules: sg- group names, internal- and over-long load balancer names', () => {
    const r = names();
    expect(answers(r, call('EC2', 'CreateSecurityGroup', { GroupName: 'sg-web-lb-sg' }), 0)).toBe(true);
    expect(answers(r, call('EC2', 'CreateSecurityGroup', { GroupName: 'web-lb-sg' }), 0)).toBe(false);
    expect(answers(r, call('ELASTICLOADBALANCING', 'CreateLoadBalancer', { Name: 'internal-x-lb' }), 0)).toBe(true);
    expect(answers(r, call('ELASTICLOADBALANCING', 'CreateTargetGroup', { Name: 'a'.repeat(33) }), 0)).toBe(true);
  });

  it('ecs-task-definition-defaults: fills what real ECS fills; off, it leaves the answer alone', () => {
    const r = taskDefinitionDefaults();
    const body = JSON.stringify({
      taskDefinition: { family: 'web', containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 80 }] }] },
    });
    const out = JSON.parse(r.after!(call('ECS', 'DescribeTaskDefinition'), 200, body, 0)!);
    expect(out.taskDefinition.containerDefinitions[0]).toMatchObject({
      cpu: 0,
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }],
    });
    expect(out.taskDefinition.compatibilities).toEqual(['EXTERNAL', 'EC2']);
    r.enabled = false;
    expect(r.after!(call('ECS', 'DescribeTaskDefinition'), 200, body, 0)).toBeUndefined();
  });

  it('ecs-cluster-keeps-instances and elb-target-group-in-use: only inside the window after their trigger', () => {
    const c = clusterKeepsInstances({ windowMs: 1_000 });
    expect(answers(c, call('ECS', 'DeleteCluster'), 0)).toBe(false); // not triggered yet
    c.after!(call('ECS', 'DeregisterContainerInstance'), 200, '{}', 100);
    expect(answers(c, call('ECS', 'DeleteCluster'), 500)).toBe(true);
    expect(answers(c, call('ECS', 'DeleteCluster'), 1_100)).toBe(false);
    const t = targetGroupKeepsListener({ windowMs: 1_000 });
    t.after!(call('ELASTICLOADBALANCING', 'DeleteLoadBalancer'), 200, '', 0);
    expect(answers(t, call('ELASTICLOADBALANCING', 'DeleteTargetGroup', { TargetGroupArn: 'arn' }), 10)).toBe(true);
    expect(answers(t, call('ELASTICLOADBALANCING', 'DeleteTargetGroup'), 1_000)).toBe(false);
  });

  it('ecs-create-service-not-idempotent: a second CreateService of an ACTIVE name, until it is deleted', () => {
    const r = createServiceNotIdempotent();
    const create = call('ECS', 'CreateService', { cluster: 'web', serviceName: 'web' });
    expect(answers(r, create, 0)).toBe(false);
    r.after!(create, 200, '{}', 0);
    expect(answers(r, create, 1)).toBe(true);
    r.after!(
      call('ECS', 'DeleteService', { cluster: 'arn:aws:ecs:us-east-1:1:cluster/web', service: 'web' }),
      200,
      '{}',
      2,
    );
    expect(answers(r, create, 3)).toBe(false);
  });

  it('elb-deleted-load-balancer-tags: DescribeTags of a load balancer deleted through the proxy, only', () => {
    const r = deletedLoadBalancerTags();
    const lb = 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web-lb/1';
    const tags = call('ELASTICLOADBALANCING', 'DescribeTags', { 'ResourceArns.member.1': lb });
    expect(answers(r, tags, 0)).toBe(false);
    r.after!(call('ELASTICLOADBALANCING', 'DeleteLoadBalancer', { LoadBalancerArn: lb }), 200, '', 1);
    const d = r.before!(tags, 2);
    expect(d?.kind === 'respond' && d.body).toContain('<Code>LoadBalancerNotFound</Code>');
    expect(answers(r, call('ELASTICLOADBALANCING', 'DescribeTags', { 'ResourceArns.member.1': 'other' }), 3)).toBe(
      false,
    );
  });

  it('ec2-private-subnets: DescribeSubnets says no public IPs', () => {
    const r = privateSubnets();
    const out = r.after!(call('EC2', 'DescribeSubnets'), 200, '<mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>', 0);
    expect(out).toBe('<mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>');
  });
});

describe('on the wire, through the proxy, the SDK reads the error real AWS gives', () => {
  let upstream: Server;
  let proxy: StrictProxy;
  const config = () => ({
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  beforeAll(async () => {
    // Nothing should be forwarded: every call below is answered by a rule.
    upstream = createServer((_q, s) => void s.writeHead(599).end());
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const { port } = upstream.address() as { port: number };
    proxy = await startStrictProxy(`http://127.0.0.1:${port}`, [
      serviceLinkedRole({ windowMs: 60_000 }),
      quota('VcpuLimitExceeded'),
      quota('TooManyLoadBalancers'),
      quota('LimitExceeded'),
      quota('Logs LimitExceededException'),
      names(),
    ]);
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
  });

  const failure = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => undefined,
      (x: unknown) => x,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode };
  };

  it('ECS (JSON 1.1): InvalidParameterException with the service-linked-role message', async () => {
    expect(await failure(new ECSClient(config()).send(new CreateClusterCommand({ clusterName: 'x' })))).toEqual({
      name: 'InvalidParameterException',
      message: 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.',
      status: 400,
    });
  });

  it('EC2 (ec2 query): VcpuLimitExceeded and InvalidParameterValue', async () => {
    const ec2 = new EC2Client(config());
    const run = await failure(ec2.send(new RunInstancesCommand({ ImageId: 'ami-1', MinCount: 1, MaxCount: 1 })));
    expect(run).toMatchObject({ name: 'VcpuLimitExceeded', status: 400 });
    const sg = await failure(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'sg-x', Description: 'd' })));
    expect(sg).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  });

  it('ELBv2 and IAM (aws query): TooManyLoadBalancers, LimitExceeded (409); Logs LimitExceededException', async () => {
    const lb = await failure(
      new ElasticLoadBalancingV2Client(config()).send(new CreateLoadBalancerCommand({ Name: 'x' })),
    );
    expect(lb).toMatchObject({ name: 'TooManyLoadBalancersException', status: 400 });
    const role = await failure(
      new IAMClient(config()).send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: '{}' })),
    );
    expect(role).toEqual({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for RolesPerAccount: 1000.',
      status: 409,
    });
    const logs = await failure(
      new CloudWatchLogsClient(config()).send(new CreateLogGroupCommand({ logGroupName: 'g' })),
    );
    expect(logs).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(proxy.calls.every((c) => c.answeredBy)).toBe(true);
  });
});
