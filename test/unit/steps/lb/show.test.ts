import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { showLb } from '../../../../src/steps/lb/show.js';
import { OperationError } from '../../../../src/errors.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/50dc6c495c0c9188';
const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-lb/50dc6c495c0c9188/f2f7dc8efc522ab2';
const recorded = {
  loadBalancer: { name: 'web-lb', arn: LB_ARN, dnsName: 'web-lb-1.us-east-1.elb.amazonaws.com' },
  listener: { arn: LISTENER_ARN, port: 80 },
};

beforeEach(() => {
  resetAwsMocks();
  awsMock.elb.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: 'web-lb', State: { Code: 'active' } }],
  });
});

describe('showLb', () => {
  it('shows a listener that AWS no longer has as exists: false', async () => {
    awsMock.elb.on(DescribeListenersCommand).rejects(awsError('ListenerNotFoundException'));
    const { ctx } = testContext(recorded);
    const view = await showLb(ctx);
    expect(view.listener).toEqual({ arn: LISTENER_ARN, port: 80, exists: false });
  });

  it('reports an access error on DescribeListeners instead of calling the listener missing', async () => {
    awsMock.elb.on(DescribeListenersCommand).rejects(awsError('AccessDenied', 'not authorized to DescribeListeners'));
    const { ctx } = testContext(recorded);
    const err = await showLb(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toMatch(/describe listener .*AccessDenied/);
  });
});
