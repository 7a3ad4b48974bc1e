/**
 * Service auto scaling with scripted answers: the ALB resource label, the scalable target and
 * policies sent, nothing sent when converged, stale ecsctl policies removed, and teardown.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalingPolicy,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ForeignResourceError, UsageError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import { deleteAutoScaling, ensureAutoScaling } from '../../../../src/steps/service/autoscaling.js';
import {
  albResourceLabel,
  checkAutoScalingSettings,
  clampDesiredCount,
} from '../../../../src/steps/service/autoscaling-policy.js';
import { awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/943f017f100becff';
const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-lb/778d41231b141a0f';
const RID = 'service/web/web';
const TARGET_ARN = 'arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/abc';
const base: Partial<State> = {
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' },
  service: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:service/web/web' },
  targetGroup: { name: 'web-tg', arn: TG },
  loadBalancer: { name: 'web-lb', arn: LB, dnsName: 'web-lb-1.example' },
};
const ourService = (tags = [{ key: 'ecsctl:stack', value: 'web' }]) =>
  awsMock.ecs
    .on(DescribeServicesCommand)
    .resolves({ services: [{ serviceName: 'web', serviceArn: base.service!.arn, status: 'ACTIVE', tags }] });
const cpuPolicy = (target = 60): ScalingPolicy => ({
  PolicyName: 'web-cpu',
  PolicyARN: 'arn:policy/web-cpu',
  PolicyType: 'TargetTrackingScaling',
  ServiceNamespace: 'ecs',
  ResourceId: RID,
  ScalableDimension: 'ecs:service:DesiredCount',
  CreationTime: new Date(0),
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: target,
    PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
  },
});
const liveTarget = (min: number, max: number, policies: ScalingPolicy[]) => {
  awsMock.appscaling.on(DescribeScalableTargetsCommand).resolves({
    ScalableTargets: [
      {
        ServiceNamespace: 'ecs',
        ResourceId: RID,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: min,
        MaxCapacity: max,
        CreationTime: new Date(0),
        RoleARN: 'arn:role',
        ScalableTargetARN: TARGET_ARN,
      },
    ],
  });
  awsMock.appscaling.on(DescribeScalingPoliciesCommand).resolves({ ScalingPolicies: policies });
};
const mutating = () =>
  awsMock.appscaling
    .calls()
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => !n.startsWith('Describe'));

beforeEach(() => resetAwsMocks());

describe('the ALB resource label', () => {
  it('joins the final portions of the load balancer and target group ARNs', () => {
    expect(albResourceLabel(LB, TG)).toBe('app/web-lb/778d41231b141a0f/targetgroup/web-tg/943f017f100becff');
  });
  it('refuses a network load balancer or a malformed ARN', () => {
    expect(() => albResourceLabel(LB.replace('/app/', '/net/'), TG)).toThrow(/not an Application Load Balancer/);
    expect(() => albResourceLabel(LB, 'arn:aws:elasticloadbalancing:us-east-1:1:nope')).toThrow(/not a target group/);
  });
});

describe('settings', () => {
  it('refuses min above max, no metric, and CPU outside 1–100', () => {
    expect(() => checkAutoScalingSettings({ min: 5, max: 2, cpuTarget: 50 })).toThrow(UsageError);
    expect(() => checkAutoScalingSettings({ min: 1, max: 2 })).toThrow(/--cpu-target/);
    expect(() => checkAutoScalingSettings({ min: 1, max: 2, cpuTarget: 0 })).toThrow(/above 0/);
    expect(() => checkAutoScalingSettings({ min: 1, max: 2, cpuTarget: 101 })).toThrow(/at most 100/);
  });
  it('clamps the initial desired count into [min, max]', () => {
    expect(clampDesiredCount(10, 2, 6)).toBe(6);
    expect(clampDesiredCount(1, 2, 6)).toBe(2);
    expect(clampDesiredCount(4, 2, 6)).toBe(4);
  });
});

describe('ensureAutoScaling', () => {
  it('registers the target with the stack tag, puts both policies and records each', async () => {
    ourService();
    awsMock.appscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    awsMock.appscaling.on(RegisterScalableTargetCommand).resolves({ ScalableTargetARN: TARGET_ARN });
    awsMock.appscaling.on(PutScalingPolicyCommand).resolves({ PolicyARN: 'arn:policy/x', Alarms: [] });
    const { ctx, state } = testContext(base);
    const r = await ensureAutoScaling(ctx, { min: 2, max: 8, cpuTarget: 60, requestsPerTarget: 500 });
    expect(r.outcome).toBe('created');
    expect(awsMock.appscaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: 'ecs',
      ResourceId: RID,
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 8,
      Tags: { 'ecsctl:stack': 'web' },
    });
    expect(awsMock.appscaling).toHaveReceivedCommandWith(PutScalingPolicyCommand, {
      PolicyName: 'web-requests',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 500,
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'ALBRequestCountPerTarget',
          ResourceLabel: 'app/web-lb/778d41231b141a0f/targetgroup/web-tg/943f017f100becff',
        },
      },
    });
    expect(state.current.autoScaling).toMatchObject({ resourceId: RID, arn: TARGET_ARN, min: 2, max: 8 });
    expect(state.current.autoScaling?.policies.map((p) => p.name)).toEqual(['web-cpu', 'web-requests']);
    // The target is recorded before the first policy is put.
    expect(state.saved[0]?.autoScaling?.policies).toEqual([]);
  });

  it('makes no mutating call when target and policies already match', async () => {
    ourService();
    liveTarget(2, 8, [cpuPolicy(60)]);
    const { ctx } = testContext(base);
    const r = await ensureAutoScaling(ctx, { min: 2, max: 8, cpuTarget: 60 });
    expect(r.outcome).toBe('unchanged');
    expect(mutating()).toEqual([]);
  });

  it('changes min/max without re-tagging, updates a changed target and removes an unwanted ecsctl policy', async () => {
    ourService();
    const requests = { ...cpuPolicy(), PolicyName: 'web-requests' };
    const foreign = { ...cpuPolicy(), PolicyName: 'someone-elses' };
    liveTarget(2, 8, [cpuPolicy(60), requests, foreign]);
    awsMock.appscaling.on(RegisterScalableTargetCommand).resolves({ ScalableTargetARN: TARGET_ARN });
    awsMock.appscaling.on(PutScalingPolicyCommand).resolves({ PolicyARN: 'arn:policy/web-cpu' });
    awsMock.appscaling.on(DeleteScalingPolicyCommand).resolves({});
    const { ctx, state } = testContext(base);
    const r = await ensureAutoScaling(ctx, { min: 1, max: 4, cpuTarget: 70 });
    expect(r.outcome).toBe('updated');
    const register = awsMock.appscaling.commandCalls(RegisterScalableTargetCommand)[0]!.args[0].input;
    expect(register.Tags).toBeUndefined();
    expect(awsMock.appscaling).toHaveReceivedCommandWith(PutScalingPolicyCommand, { PolicyName: 'web-cpu' });
    expect(awsMock.appscaling).toHaveReceivedCommandTimes(DeleteScalingPolicyCommand, 1);
    expect(awsMock.appscaling).toHaveReceivedCommandWith(DeleteScalingPolicyCommand, { PolicyName: 'web-requests' });
    expect(state.current.autoScaling?.policies.map((p) => p.name)).toEqual(['web-cpu']);
  });

  it('refuses --requests-per-target without a recorded load balancer, before any auto scaling call', async () => {
    ourService();
    const { ctx } = testContext({ ...base, loadBalancer: undefined });
    await expect(ensureAutoScaling(ctx, { min: 1, max: 2, requestsPerTarget: 100 })).rejects.toThrow(UsageError);
    expect(awsMock.appscaling.calls()).toHaveLength(0);
  });

  it('never scales a service that is not the stack’s', async () => {
    ourService([{ key: 'ecsctl:stack', value: 'other' }]);
    const { ctx } = testContext(base);
    await expect(ensureAutoScaling(ctx, { min: 1, max: 2, cpuTarget: 50 })).rejects.toThrow(ForeignResourceError);
    expect(awsMock.appscaling.calls()).toHaveLength(0);
  });
});

describe('deleteAutoScaling', () => {
  it('deletes ecsctl’s policies, then deregisters the target, and forgets it', async () => {
    liveTarget(2, 8, [cpuPolicy(), { ...cpuPolicy(), PolicyName: 'someone-elses' }]);
    awsMock.appscaling.on(DeleteScalingPolicyCommand).resolves({});
    awsMock.appscaling.on(DeregisterScalableTargetCommand).resolves({});
    const { ctx, state } = testContext({
      ...base,
      autoScaling: { resourceId: RID, min: 2, max: 8, policies: [{ name: 'web-cpu' }] },
    });
    expect(await deleteAutoScaling(ctx)).toBe('deleted');
    expect(awsMock.appscaling).toHaveReceivedCommandTimes(DeleteScalingPolicyCommand, 1);
    expect(awsMock.appscaling).toHaveReceivedCommandWith(DeregisterScalableTargetCommand, { ResourceId: RID });
    expect(state.current.autoScaling).toBeUndefined();
  });

  it('treats a target already gone as done', async () => {
    awsMock.appscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    const { ctx, state } = testContext({ ...base, autoScaling: { resourceId: RID, min: 1, max: 2, policies: [] } });
    expect(await deleteAutoScaling(ctx)).toBe('absent');
    expect(mutating()).toEqual([]);
    expect(state.current.autoScaling).toBeUndefined();
  });
});
