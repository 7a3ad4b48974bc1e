import type { Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { serviceUpdate } from '../../../../src/steps/service/update.js';
import { UsageError } from '../../../../src/errors.js';

const TD = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`;
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/abc';
const lb = { targetGroupArn: TG, containerName: 'web', containerPort: 8080 };
const converged: Service = {
  serviceName: 'web',
  desiredCount: 10,
  taskDefinition: TD(3),
  loadBalancers: [lb],
  healthCheckGracePeriodSeconds: 30,
  deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
};
const want = { desiredCount: 10, taskDefinitionArn: TD(3), loadBalancers: [lb], targetGroupName: 'web-tg' };

describe('serviceUpdate (what updateService sends and up --dry-run prints)', () => {
  it('a converged service: no request field, no change', () => {
    expect(serviceUpdate(converged, want)).toEqual({ request: {}, changes: [] });
  });

  it('desired count and revision: both in one request, each a field change', () => {
    const r = serviceUpdate(converged, { ...want, desiredCount: 4, taskDefinitionArn: TD(4) });
    expect(r.request).toEqual({ desiredCount: 4, taskDefinition: TD(4) });
    expect(r.changes).toEqual([
      { field: 'desired count', old: '10', new: '4' },
      { field: 'task definition', old: 'web:3', new: 'web:4' },
    ]);
  });

  it('no desired count asked (auto scaling owns it): the live count is never a change', () => {
    expect(serviceUpdate({ ...converged, desiredCount: 7 }, { ...want, desiredCount: undefined }).changes).toEqual([]);
  });

  it('attaches the target group with the default grace period, and puts the circuit breaker back', () => {
    const bare: Service = {
      ...converged,
      loadBalancers: [],
      healthCheckGracePeriodSeconds: 0,
      deploymentConfiguration: {},
    };
    const r = serviceUpdate(bare, want);
    expect(r.changes).toEqual([
      { field: 'target group', old: 'none', new: 'web-tg (web:8080)' },
      { field: 'health check grace period', old: '0s', new: '30s' },
      { field: 'deployment circuit breaker', old: 'off', new: 'on, with rollback' },
    ]);
    expect(r.request.loadBalancers).toEqual([lb]);
    expect(r.request.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
  });

  it('a DAEMON service refuses a desired count (exit 2)', () => {
    expect(() => serviceUpdate({ ...converged, schedulingStrategy: 'DAEMON' }, { ...want, desiredCount: 3 })).toThrow(
      UsageError,
    );
  });
});

describe('autoScalingChanges (the comparisons ensureAutoScaling makes)', async () => {
  const { autoScalingChanges, wantedPolicies } = await import('../../../../src/steps/service/autoscaling-policy.js');
  const state = { version: 1, name: 'web', region: 'us-east-1' } as never;
  const s = { min: 2, max: 10, cpuTarget: 60 };
  const wanted = wantedPolicies(state, 'web', 'service/web/web', s);
  const live = {
    target: { MinCapacity: 2, MaxCapacity: 10 },
    policies: wanted.map((p) => ({ ...p, PolicyName: p.PolicyName! })),
  } as never;

  it('nothing when the target and the policies are as wanted', () => {
    expect(autoScalingChanges(live, s, wanted, 'web')).toEqual([]);
  });

  it('a new target and policy, a changed range and target value, a policy no longer wanted', () => {
    expect(autoScalingChanges(undefined, s, wanted, 'web')).toEqual([
      { field: 'tasks (min–max)', old: 'none', new: '2–10' },
      { field: 'policy web-cpu', old: 'none', new: '60% CPU' },
    ]);
    const s2 = { min: 1, max: 4, cpuTarget: 75 };
    expect(autoScalingChanges(live, s2, wantedPolicies(state, 'web', 'service/web/web', s2), 'web')).toEqual([
      { field: 'tasks (min–max)', old: '2–10', new: '1–4' },
      { field: 'policy web-cpu', old: '60% CPU', new: '75% CPU' },
    ]);
    expect(autoScalingChanges(live, { min: 2, max: 10 }, [], 'web')).toEqual([
      { field: 'policy web-cpu', old: '60% CPU', new: 'none' },
    ]);
  });
});
