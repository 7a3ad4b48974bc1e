import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type LoadBalancer,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { createLb, deleteLb, type LbCreateInput } from '../../../../src/steps/lb/lb.js';
import { ensureListener } from '../../../../src/steps/lb/listener.js';
import { deleteLoadBalancer } from '../../../../src/steps/lb/alb.js';
import { deleteTargetGroup, lowerDeregistrationDelay } from '../../../../src/steps/lb/target-group.js';
import { subnetsForLoadBalancer } from '../../../../src/steps/network/network.js';
import { ForeignResourceError, OperationError, UsageError, WaitTimeoutError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const VPC = 'vpc-0123456789abcdef0';
const SUBNETS = [
  { id: 'subnet-0000000000000000a', az: 'us-east-1a' },
  { id: 'subnet-0000000000000000b', az: 'us-east-1b' },
];
const SG = 'sg-0123456789abcdef0';
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/1';
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/1';
const L_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-lb/1/1';
const OURS = [{ Key: 'ecsctl:stack', Value: 'web' }];

const INPUT: LbCreateInput = {
  listenerPort: 80,
  healthCheckPath: '/',
  healthCheckIntervalSeconds: 5,
  healthCheckTimeoutSeconds: 4,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  deregistrationDelaySeconds: 15,
  internal: false,
  ingressCidr: '0.0.0.0/0',
  wait: true,
  waitTimeoutMs: 600_000,
};

const NETWORK: Partial<State> = { network: { vpcId: VPC, subnets: SUBNETS } };
const RECORDED: Partial<State> = {
  ...NETWORK,
  lbSecurityGroup: { id: SG, name: 'web-lb-sg' },
  targetGroup: { name: 'web-tg', arn: TG_ARN },
  loadBalancer: { name: 'web-lb', arn: LB_ARN, dnsName: 'web-lb-1.example' },
  listener: { arn: L_ARN, port: 80 },
};

const liveTg = (over: Partial<TargetGroup> = {}): TargetGroup => ({
  TargetGroupArn: TG_ARN,
  TargetGroupName: 'web-tg',
  Protocol: 'HTTP',
  Port: 8080,
  VpcId: VPC,
  TargetType: 'instance',
  HealthCheckEnabled: true,
  HealthCheckProtocol: 'HTTP',
  HealthCheckPort: 'traffic-port',
  HealthCheckPath: '/',
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 4,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
  Matcher: { HttpCode: '200' },
  ...over,
});
const liveLb = (state = 'active', over: Partial<LoadBalancer> = {}): LoadBalancer => ({
  LoadBalancerArn: LB_ARN,
  LoadBalancerName: 'web-lb',
  DNSName: 'web-lb-1.example',
  Type: 'application',
  Scheme: 'internet-facing',
  State: { Code: state as 'active' },
  SecurityGroups: [SG],
  AvailabilityZones: SUBNETS.map((s) => ({ SubnetId: s.id, ZoneName: s.az })),
  ...over,
});

/** DescribeTags answers per ARN: ours unless listed in `foreign`. */
function tagsByArn(foreign: string[] = []) {
  awsMock.elb.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
    TagDescriptions: input.ResourceArns.map((a) => ({ ResourceArn: a, Tags: foreign.includes(a) ? [] : OURS })),
  }));
}

/** A lb SG that already exists with its rule, so ensureLbSecurityGroup makes no call but the describe. */
function existingSecurityGroup() {
  awsMock.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] }); // the ALB's are gone
  awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      {
        GroupId: SG,
        GroupName: 'web-lb-sg',
        Tags: OURS,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    ],
  });
}

const names = (mock: typeof awsMock.elb | typeof awsMock.ec2) =>
  mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const mutatingCalls = () => names(awsMock.elb).filter((n) => /^(Create|Modify|Set|Delete|Add|Remove)/.test(n));

beforeEach(() => resetAwsMocks());

describe('lb create', () => {
  function freshAccount() {
    awsMock.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC, IsDefault: true }] });
    awsMock.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        {
          SubnetId: 'subnet-0000000000000000c',
          AvailabilityZone: 'us-east-1a',
          VpcId: VPC,
          DefaultForAz: true,
          MapPublicIpOnLaunch: true,
        },
        {
          SubnetId: SUBNETS[1]!.id,
          AvailabilityZone: 'us-east-1b',
          VpcId: VPC,
          DefaultForAz: true,
          MapPublicIpOnLaunch: true,
        },
      ],
    });
    awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    awsMock.ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: SG });
    awsMock.ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    awsMock.elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] });
    awsMock.elb.on(ModifyTargetGroupAttributesCommand).resolves({});
    awsMock.elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [liveLb('provisioning')] });
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [] });
    awsMock.elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: L_ARN, Port: 80 }] });
    tagsByArn();
  }

  it('discovers the default VPC, creates LB → TG → listener in that order, records each at once, then polls from 0.25 s, doubling, until active', async () => {
    freshAccount();
    awsMock.elb
      .on(DescribeLoadBalancersCommand)
      .rejectsOnce(awsError('LoadBalancerNotFoundException')) // preflight: none yet
      .rejectsOnce(awsError('LoadBalancerNotFoundException')) // ensureLoadBalancer: still none
      .resolvesOnce({ LoadBalancers: [liveLb('provisioning')] })
      .resolvesOnce({ LoadBalancers: [liveLb('provisioning')] })
      .resolves({ LoadBalancers: [liveLb('active')] });
    const { ctx, state, sleeps, report } = testContext();
    const result = await createLb(ctx, INPUT);

    expect(result).toMatchObject({
      outcome: 'created',
      url: 'http://web-lb-1.example',
      loadBalancer: { arn: LB_ARN, state: 'active' },
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(CreateLoadBalancerCommand, {
      Name: 'web-lb',
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: ['subnet-0000000000000000c', SUBNETS[1]!.id],
      SecurityGroups: [SG],
      Tags: OURS,
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: 'web-tg',
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: VPC,
      TargetType: 'instance',
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      Tags: OURS,
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyTargetGroupAttributesCommand, {
      TargetGroupArn: TG_ARN,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }],
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB_ARN,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
      Tags: OURS,
    });
    // The listener is made while the ALB provisions: every wait poll comes after CreateListener.
    const calls = names(awsMock.elb).filter(
      (n) =>
        !['DescribeTags', 'DescribeTargetGroups', 'DescribeTargetGroupAttributes', 'DescribeListeners'].includes(n),
    );
    expect(calls).toEqual([
      'DescribeLoadBalancers',
      'DescribeLoadBalancers',
      'CreateLoadBalancer',
      'CreateTargetGroup',
      'ModifyTargetGroupAttributes',
      'CreateListener',
      'DescribeLoadBalancers',
      'DescribeLoadBalancers',
      'DescribeLoadBalancers',
    ]);
    // Recorded the moment each create returned: the LB before the target group existed.
    const sections = state.saved.map((s) =>
      ['network', 'lbSecurityGroup', 'loadBalancer', 'targetGroup', 'listener'].filter((k) => k in s).join(','),
    );
    expect(sections).toEqual([
      'network',
      'network,lbSecurityGroup',
      'network,lbSecurityGroup,loadBalancer',
      'network,lbSecurityGroup,loadBalancer,targetGroup',
      'network,lbSecurityGroup,loadBalancer,targetGroup,listener',
    ]);
    expect(sleeps).toEqual([250, 500]);
    expect(report.lines).toContain('  load balancer web-lb to become active: provisioning (0s)');
    expect(report.lines).toContain('  load balancer web-lb to become active: active (1s)');
  });

  it('takes the container port from the recorded task definition when not given', async () => {
    freshAccount();
    awsMock.elb
      .on(DescribeLoadBalancersCommand)
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .resolves({ LoadBalancers: [liveLb()] });
    const { ctx } = testContext({
      taskDefinition: { family: 'web', arn: 'td', revision: 1, containerName: 'web', containerPort: 3000 },
    });
    await createLb(ctx, INPUT);
    expect(awsMock.elb).toHaveReceivedCommandWith(CreateTargetGroupCommand, { Port: 3000 });
  });

  it('--no-wait returns after the listener without polling', async () => {
    freshAccount();
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    const { ctx, sleeps } = testContext();
    const result = await createLb(ctx, { ...INPUT, wait: false });
    expect(result.loadBalancer.state).toBe('provisioning');
    expect(awsMock.elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 2); // preflight + find, no poll
    expect(sleeps).toEqual([]);
  });

  it('exits 4 when the ALB is still provisioning at --wait-timeout, with everything recorded', async () => {
    freshAccount();
    awsMock.elb
      .on(DescribeLoadBalancersCommand)
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .resolves({ LoadBalancers: [liveLb('provisioning')] });
    const { ctx, sleeps, state } = testContext();
    const err = await createLb(ctx, { ...INPUT, waitTimeoutMs: 10_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toMatch(/timed out after 10s waiting for load balancer web-lb to become active/);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(state.current.listener?.arn).toBe(L_ARN);
  });

  it('fails (exit 1) when the ALB reports failed', async () => {
    freshAccount();
    awsMock.elb
      .on(DescribeLoadBalancersCommand)
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .rejectsOnce(awsError('LoadBalancerNotFoundException'))
      .resolves({ LoadBalancers: [liveLb('failed')] });
    const { ctx } = testContext();
    await expect(createLb(ctx, INPUT)).rejects.toThrow(OperationError);
  });

  it('refuses a network in one availability zone with exit 2 before any load balancer call', async () => {
    const { ctx } = testContext({
      network: {
        vpcId: VPC,
        subnets: [
          { id: 'subnet-0000000000000000a', az: 'us-east-1a' },
          { id: 'subnet-0000000000000000d', az: 'us-east-1a' },
        ],
      },
    });
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    const err = await createLb(ctx, INPUT).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/two availability zones; the recorded network has 1 \(us-east-1a\)/);
    expect(err.hint).toMatch(/--subnets/);
    expect(awsMock.elb).not.toHaveReceivedCommand(CreateLoadBalancerCommand);
    expect(awsMock.ec2).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
  });

  it('picks one subnet per availability zone for the ALB', () => {
    expect(
      subnetsForLoadBalancer({
        vpcId: VPC,
        subnets: [
          { id: 'subnet-a1', az: 'us-east-1a' },
          { id: 'subnet-a2', az: 'us-east-1a' },
          { id: 'subnet-b1', az: 'us-east-1b' },
        ],
      }),
    ).toEqual(['subnet-a1', 'subnet-b1']);
  });

  it('a rerun against matching resources makes no mutating call and reports unchanged', async () => {
    existingSecurityGroup();
    tagsByArn();
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }] });
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: L_ARN,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
        },
      ],
    });
    const { ctx, state } = testContext(RECORDED);
    const result = await createLb(ctx, INPUT);
    expect(result.outcome).toBe('unchanged');
    expect(mutatingCalls()).toEqual([]);
    expect(awsMock.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
    expect(state.saved).toEqual([]);
  });

  it('converges a tagged target group: only the drifted health check and attribute are modified', async () => {
    existingSecurityGroup();
    tagsByArn();
    awsMock.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [liveTg({ HealthCheckIntervalSeconds: 30, HealthyThresholdCount: 5 })] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] });
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: L_ARN,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:other' }],
        },
      ],
    });
    const { ctx } = testContext(RECORDED);
    const result = await createLb(ctx, INPUT);
    expect(result.targetGroup).toMatchObject({
      outcome: 'updated',
      changed: ['HealthCheckIntervalSeconds', 'HealthyThresholdCount', 'deregistration_delay.timeout_seconds'],
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyTargetGroupCommand, {
      TargetGroupArn: TG_ARN,
      HealthCheckIntervalSeconds: 5,
      HealthyThresholdCount: 2,
    });
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyTargetGroupAttributesCommand, {
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }],
    });
    // The listener forwarded elsewhere: its default action is put back.
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: L_ARN,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
    });
    expect(awsMock.elb).not.toHaveReceivedCommand(CreateListenerCommand);
  });

  it('refuses a same-named target group without our tag before creating anything', async () => {
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    tagsByArn([TG_ARN]);
    const { ctx, state } = testContext();
    const err = await createLb(ctx, INPUT).catch((e) => e);
    expect(err).toBeInstanceOf(ForeignResourceError);
    expect(err.message).toMatch(/target group web-tg exists but was not created by ecsctl for stack web/);
    expect(mutatingCalls()).toEqual([]);
    expect(awsMock.ec2.calls()).toHaveLength(0);
    expect(state.saved).toEqual([]);
  });

  it('refuses a listener on the port that is not ours', async () => {
    existingSecurityGroup();
    tagsByArn([L_ARN]);
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }] });
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: L_ARN,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:other' }],
        },
      ],
    });
    const { ctx } = testContext({ ...RECORDED, listener: undefined });
    await expect(createLb(ctx, INPUT)).rejects.toThrow(ForeignResourceError);
    expect(awsMock.elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('a target group on another port cannot be changed in place: exit 1 with the flag to keep it', async () => {
    existingSecurityGroup();
    tagsByArn();
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg({ Port: 8080 })] });
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    const { ctx } = testContext(RECORDED);
    const err = await createLb(ctx, { ...INPUT, containerPort: 3000 }).catch((e) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toMatch(/port 8080, not 3000/);
    expect(err.hint).toMatch(/--container-port 8080/);
  });

  it('moves a recorded ALB to the LB security group and subnets when they drifted', async () => {
    existingSecurityGroup();
    tagsByArn();
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }] });
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        liveLb('active', {
          SecurityGroups: [SG, 'sg-0ffffffffffffffff'],
          AvailabilityZones: [{ SubnetId: SUBNETS[0]!.id }],
        }),
      ],
    });
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: L_ARN,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
        },
      ],
    });
    const { ctx } = testContext(RECORDED);
    const result = await createLb(ctx, INPUT);
    expect(result.loadBalancer.changed).toEqual(['SecurityGroups', 'Subnets']);
    expect(awsMock.elb).toHaveReceivedCommandWith(SetSecurityGroupsCommand, { SecurityGroups: [SG] });
    expect(awsMock.elb).toHaveReceivedCommandWith(SetSubnetsCommand, { Subnets: SUBNETS.map((s) => s.id) });
  });
});

describe('listener port change', () => {
  it('creates the listener on the new port, records it, then deletes the recorded one on the old port', async () => {
    tagsByArn();
    const OLD = `${L_ARN}-old`;
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: OLD,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN }],
        },
      ],
    });
    awsMock.elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: L_ARN, Port: 8081 }] });
    awsMock.elb.on(DeleteListenerCommand).resolves({});
    const { ctx, state } = testContext({ ...RECORDED, listener: { arn: OLD, port: 80 } });
    const r = await ensureListener(ctx, { loadBalancerArn: LB_ARN, targetGroupArn: TG_ARN, port: 8081 });
    expect(r).toMatchObject({ outcome: 'created', listener: { arn: L_ARN, port: 8081 } });
    expect(names(awsMock.elb).filter((n) => !n.startsWith('Describe'))).toEqual(['CreateListener', 'DeleteListener']);
    expect(awsMock.elb).toHaveReceivedCommandWith(DeleteListenerCommand, { ListenerArn: OLD });
    expect(state.current.listener).toEqual({ arn: L_ARN, port: 8081 });
  });
});

describe('lb delete', () => {
  it('deletes the load balancer with its listener (waiting until gone) → target group → LB security group, retrying ResourceInUse and DependencyViolation', async () => {
    tagsByArn();
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: L_ARN, Port: 80 }] });
    awsMock.elb.on(DeleteListenerCommand).resolves({});
    awsMock.elb
      .on(DescribeLoadBalancersCommand)
      .resolvesOnce({ LoadBalancers: [liveLb()] }) // still there after DeleteLoadBalancer
      .rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DeleteLoadBalancerCommand).resolves({});
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb.on(DeleteTargetGroupCommand).rejectsOnce(awsError('ResourceInUseException')).resolves({});
    existingSecurityGroup();
    awsMock.ec2
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(awsError('DependencyViolation'))
      .rejectsOnce(awsError('DependencyViolation'))
      .resolves({});
    const { ctx, state, sleeps } = testContext(RECORDED);

    const result = await deleteLb(ctx, { timeoutMs: 600_000 });
    expect(result).toEqual({
      listener: 'deleted',
      loadBalancer: 'deleted',
      targetGroup: 'deleted',
      securityGroup: 'deleted',
    });
    // DeleteLoadBalancer takes the listener with it.
    expect(names(awsMock.elb).filter((n) => n.startsWith('Delete'))).toEqual([
      'DeleteLoadBalancer',
      'DeleteTargetGroup',
      'DeleteTargetGroup',
    ]);
    // The recorded ARN's tags carry the stack's tag: DeleteLoadBalancer follows them at once.
    const elbCalls = names(awsMock.elb);
    expect(elbCalls.slice(0, elbCalls.indexOf('DeleteLoadBalancer'))).toEqual(['DescribeTags']);
    expect(awsMock.ec2).toHaveReceivedCommandTimes(DeleteSecurityGroupCommand, 3);
    // LB gone poll; ResourceInUse; 2 × DependencyViolation (from 0.25 s, doubling)
    expect(sleeps).toEqual([250, 250, 250, 500]);
    for (const key of ['listener', 'loadBalancer', 'targetGroup', 'lbSecurityGroup'] as const)
      expect(state.current[key]).toBeUndefined();
    expect(state.current.network).toBeDefined();
  });

  it("watches the deleted ALB's network interfaces go, then deletes its security group with one call", async () => {
    existingSecurityGroup();
    const eni = { NetworkInterfaceId: 'eni-0abc', Description: 'ELB app/web-lb/50dc6c495c0c9188' };
    awsMock.ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce({ NetworkInterfaces: [eni, { ...eni, NetworkInterfaceId: 'eni-0def' }] })
      .resolvesOnce({ NetworkInterfaces: [eni] })
      .resolves({ NetworkInterfaces: [] });
    awsMock.ec2.on(DeleteSecurityGroupCommand).resolves({});
    const { ctx, state, sleeps } = testContext({ ...NETWORK, lbSecurityGroup: { id: SG, name: 'web-lb-sg' } });
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    expect((await deleteLb(ctx)).securityGroup).toBe('deleted');
    expect(awsMock.ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, {
      Filters: [
        { Name: 'group-id', Values: [SG] },
        { Name: 'description', Values: ['ELB app/web-lb/*'] },
      ],
    });
    expect(awsMock.ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 3);
    expect(awsMock.ec2).toHaveReceivedCommandTimes(DeleteSecurityGroupCommand, 1);
    expect(sleeps).toEqual([250, 500]);
    expect(state.current.lbSecurityGroup).toBeUndefined();
  });

  it('names the interfaces still holding the LB security group when they outlast the timeout (exit 4)', async () => {
    existingSecurityGroup();
    awsMock.ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0abc', Description: 'ELB app/web-lb/1' }] });
    const { ctx, state } = testContext({ ...NETWORK, lbSecurityGroup: { id: SG, name: 'web-lb-sg' } });
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    const err = await deleteLb(ctx, { timeoutMs: 20_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toBe(
      'timed out after 20s waiting for the network interfaces of load balancer web-lb to be released: eni-0abc still there',
    );
    expect(awsMock.ec2).not.toHaveReceivedCommand(DeleteSecurityGroupCommand);
    expect(state.current.lbSecurityGroup).toBeDefined(); // kept for the rerun
  });

  it("keeps the LB security group while the instances' group still references it", async () => {
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    const { ctx } = testContext({
      ...NETWORK,
      lbSecurityGroup: { id: SG, name: 'web-lb-sg' },
      instanceSecurityGroup: { id: 'sg-0aaaaaaaaaaaaaaaa', name: 'web-instance-sg' },
    });
    expect((await deleteLb(ctx)).securityGroup).toBe('kept');
    expect(awsMock.ec2).not.toHaveReceivedCommand(DeleteSecurityGroupCommand);
  });

  it('deletes a listener recorded without its load balancer on its own', async () => {
    tagsByArn();
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: L_ARN, Port: 80 }] });
    awsMock.elb.on(DeleteListenerCommand).resolves({});
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFoundException'));
    const { ctx, state } = testContext({ ...NETWORK, listener: { arn: L_ARN, port: 80 } });
    const result = await deleteLb(ctx);
    expect(result).toMatchObject({ listener: 'deleted', loadBalancer: 'absent' });
    expect(awsMock.elb).toHaveReceivedCommandWith(DeleteListenerCommand, { ListenerArn: L_ARN });
    expect(state.current.listener).toBeUndefined();
  });

  it('refuses while a service is recorded, before any call', async () => {
    const { ctx } = testContext({ ...RECORDED, service: { name: 'web', arn: 'arn:svc' } });
    await expect(deleteLb(ctx)).rejects.toThrow(/service web is recorded/);
    expect(awsMock.elb.calls()).toHaveLength(0);
  });

  it('leaves a same-named load balancer without our tag alone when none is recorded', async () => {
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    tagsByArn([LB_ARN]);
    const { ctx, report } = testContext();
    expect(await deleteLoadBalancer(ctx)).toBe('absent');
    expect(awsMock.elb).not.toHaveReceivedCommand(DeleteLoadBalancerCommand);
    expect(report.lines.join('\n')).toMatch(/not this stack's/);
  });

  it('refuses the recorded load balancer if it lost our tag', async () => {
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    tagsByArn([LB_ARN]);
    const { ctx } = testContext(RECORDED);
    await expect(deleteLoadBalancer(ctx)).rejects.toThrow(ForeignResourceError);
  });

  it('exits 4 naming the load balancer still using the target group when ResourceInUse persists', async () => {
    tagsByArn();
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg({ LoadBalancerArns: [LB_ARN] })] });
    awsMock.elb.on(DeleteTargetGroupCommand).rejects(awsError('ResourceInUseException'));
    const { ctx, sleeps } = testContext(RECORDED);
    const err = await deleteTargetGroup(ctx, { timeoutMs: 9_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toContain(`by ${LB_ARN}`);
    expect(sleeps).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000, 1_250]); // up to the 9 s timeout, not past it
  });

  it('takes a recorded load balancer whose tags are not found (deleted already) for gone: looked up, forgotten, not deleted', async () => {
    awsMock.elb.on(DescribeTagsCommand).rejects(awsError('LoadBalancerNotFoundException'));
    awsMock.elb.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFoundException'));
    const { ctx, state } = testContext(RECORDED);
    expect(await deleteLoadBalancer(ctx)).toBe('absent');
    expect(awsMock.elb).not.toHaveReceivedCommand(DeleteLoadBalancerCommand);
    // By ARN, then by name (a rerun after a crash may know only the name).
    expect(awsMock.elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 2);
    expect(state.current.loadBalancer).toBeUndefined();
    expect(state.current.listener).toBeUndefined();
  });

  it('exits 4 when the load balancer does not go within the timeout', async () => {
    tagsByArn();
    awsMock.elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [liveLb()] });
    awsMock.elb.on(DeleteLoadBalancerCommand).resolves({});
    const { ctx, state } = testContext(RECORDED);
    await expect(deleteLoadBalancer(ctx, { timeoutMs: 6_000 })).rejects.toThrow(WaitTimeoutError);
    expect(state.current.loadBalancer).toBeDefined();
  });
});

describe('lowerDeregistrationDelay', () => {
  it('lowers a higher delay to 0 by default and leaves a low one alone', async () => {
    tagsByArn();
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    awsMock.elb
      .on(DescribeTargetGroupAttributesCommand)
      .resolvesOnce({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }] })
      .resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }] });
    const { ctx } = testContext(RECORDED);
    expect(await lowerDeregistrationDelay(ctx)).toBe('lowered');
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyTargetGroupAttributesCommand, {
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }],
    });
    expect(await lowerDeregistrationDelay(ctx)).toBe('unchanged');
    expect(awsMock.elb).toHaveReceivedCommandTimes(ModifyTargetGroupAttributesCommand, 1);
  });

  it('does nothing without a recorded group, or to one without our tag', async () => {
    expect(await lowerDeregistrationDelay(testContext().ctx)).toBe('absent');
    awsMock.elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [liveTg()] });
    tagsByArn([TG_ARN]);
    expect(await lowerDeregistrationDelay(testContext(RECORDED).ctx)).toBe('skipped');
    expect(awsMock.elb).not.toHaveReceivedCommand(ModifyTargetGroupAttributesCommand);
  });
});
