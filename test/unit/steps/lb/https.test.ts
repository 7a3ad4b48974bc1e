import { beforeEach, describe, expect, it } from 'vitest';
import {
  CreateListenerCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { ensureHttpsListener, ensureLbIngressExactly, TLS_POLICY } from '../../../../src/steps/lb/https.js';
import { ensureListener } from '../../../../src/steps/lb/listener.js';
import { isRedirectToHttps } from '../../../../src/steps/lb/redirect.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/1';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/1';
const L80 = `${LB.replace(':loadbalancer/', ':listener/')}/80`;
const L443 = `${LB.replace(':loadbalancer/', ':listener/')}/443`;
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const OURS = [{ Key: 'ecsctl:stack', Value: 'web' }];
const SG = { id: 'sg-0123456789abcdef0', name: 'web-lb-sg' };
const tcp = (port: number, cidr = '0.0.0.0/0') => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr }],
});

beforeEach(() => {
  resetAwsMocks();
  awsMock.elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ Tags: OURS }] });
});

describe('ensureHttpsListener', () => {
  it('creates HTTPS:443 with the certificate, the TLS 1.2+ policy and a forward, tagged, and records it', async () => {
    awsMock.elb
      .on(DescribeListenersCommand)
      .resolves({ Listeners: [{ ListenerArn: L80, Port: 80, Protocol: 'HTTP' }] });
    awsMock.elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: L443 }] });
    const { ctx, state } = testContext();
    const r = await ensureHttpsListener(ctx, { loadBalancerArn: LB, targetGroupArn: TG, certificateArn: CERT });
    expect(r).toEqual({ outcome: 'created', arn: L443, changed: [] });
    expect(awsMock.elb).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB,
      Protocol: 'HTTPS',
      Port: 443,
      SslPolicy: TLS_POLICY,
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }],
      Tags: OURS,
    });
    expect(TLS_POLICY).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(state.current.httpsListener).toEqual({ arn: L443, port: 443 });
  });

  it('retries CertificateNotFound right after issuance, briefly', async () => {
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [] });
    awsMock.elb
      .on(CreateListenerCommand)
      .rejectsOnce(awsError('CertificateNotFoundException'))
      .resolves({ Listeners: [{ ListenerArn: L443 }] });
    const { ctx, sleeps } = testContext();
    await ensureHttpsListener(ctx, { loadBalancerArn: LB, targetGroupArn: TG, certificateArn: CERT });
    expect(sleeps).toEqual([1_000]); // retryOn's first delay (NEW_CERTIFICATE, aws/not-yet.ts)
  });

  it('corrects an own listener with another certificate or policy in place, and leaves a matching one alone', async () => {
    const live = {
      ListenerArn: L443,
      Port: 443,
      Protocol: 'HTTPS' as const,
      SslPolicy: 'ELBSecurityPolicy-2016-08',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: TG }],
    };
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [live] });
    const { ctx } = testContext({ httpsListener: { arn: L443, port: 443 } });
    const r = await ensureHttpsListener(ctx, { loadBalancerArn: LB, targetGroupArn: TG, certificateArn: CERT });
    expect(r).toMatchObject({ outcome: 'updated', changed: ['SslPolicy'] });
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyListenerCommand, { ListenerArn: L443, SslPolicy: TLS_POLICY });

    resetAwsMocks();
    awsMock.elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ Tags: OURS }] });
    awsMock.elb.on(DescribeListenersCommand).resolves({ Listeners: [{ ...live, SslPolicy: TLS_POLICY }] });
    const again = await ensureHttpsListener(ctx, { loadBalancerArn: LB, targetGroupArn: TG, certificateArn: CERT });
    expect(again.outcome).toBe('unchanged');
    expect(awsMock.elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(awsMock.elb).not.toHaveReceivedCommand(CreateListenerCommand);
  });
});

describe('the HTTP listener with redirectToHttps', () => {
  it('turns the forward into a 301 to HTTPS in place, and a redirect stays as it is', async () => {
    awsMock.elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        { ListenerArn: L80, Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] },
      ],
    });
    const { ctx } = testContext({ listener: { arn: L80, port: 80 } });
    const r = await ensureListener(ctx, { loadBalancerArn: LB, targetGroupArn: TG, port: 80, redirectToHttps: true });
    expect(r).toMatchObject({ outcome: 'updated', listener: { arn: L80 } });
    expect(awsMock.elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: L80,
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    expect(awsMock.elb).not.toHaveReceivedCommand(CreateListenerCommand);
    // As ELB reads a redirect back, with its defaults filled in.
    expect(
      isRedirectToHttps([
        {
          Type: 'redirect',
          RedirectConfig: {
            Protocol: 'HTTPS',
            Port: '443',
            Host: '#{host}',
            Path: '/#{path}',
            Query: '#{query}',
            StatusCode: 'HTTP_301',
          },
        },
      ]),
    ).toBe(true);
    expect(
      isRedirectToHttps([
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_302' } },
      ]),
    ).toBe(false);
  });
});

describe('ensureLbIngressExactly', () => {
  it('opens 443 beside 80 and revokes any other rule; an exact group makes no call but the describe', async () => {
    awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: SG.id, Tags: OURS, IpPermissions: [tcp(80), tcp(8080)] }],
    });
    const { ctx } = testContext({ lbSecurityGroup: SG });
    expect(await ensureLbIngressExactly(ctx, { ports: [80, 443], cidr: '0.0.0.0/0' })).toEqual({
      authorized: [443],
      revoked: 1,
    });
    expect(awsMock.ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: SG.id,
      IpPermissions: [expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
    expect(awsMock.ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
      GroupId: SG.id,
      IpPermissions: [tcp(8080)],
    });

    resetAwsMocks();
    awsMock.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: SG.id, Tags: OURS, IpPermissions: [tcp(80), tcp(443)] }],
    });
    expect(await ensureLbIngressExactly(ctx, { ports: [80, 443], cidr: '0.0.0.0/0' })).toEqual({
      authorized: [],
      revoked: 0,
    });
    expect(awsMock.ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
    expect(awsMock.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
    expect(awsMock.ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });
});
