import type { TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { LB_DEFAULTS } from '../../../../src/settings/defaults.js';
import { healthCheckChanges, healthCheckDrift } from '../../../../src/steps/lb/target-group.js';
import { listenerChanges } from '../../../../src/steps/lb/listener.js';

const settings = { ...LB_DEFAULTS, port: 8080, healthCheckPath: '/' };
const live: TargetGroup = {
  HealthCheckEnabled: true,
  HealthCheckProtocol: 'HTTP',
  HealthCheckPort: 'traffic-port',
  HealthCheckPath: '/',
  HealthCheckIntervalSeconds: 5,
  HealthCheckTimeoutSeconds: 4,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
  Matcher: { HttpCode: '200' },
};

describe('healthCheckChanges', () => {
  it('none for a group as ecsctl makes it', () => {
    expect(healthCheckChanges(live, settings)).toEqual([]);
  });

  it('each differing field, old → new, and the drift names ensureTargetGroup acts on are the same fields', () => {
    const drifted = {
      ...live,
      HealthCheckPath: '/old',
      HealthCheckIntervalSeconds: 30,
      Matcher: { HttpCode: '200-299' },
    };
    const wanted = { ...settings, healthCheckPath: '/healthz' };
    expect(healthCheckChanges(drifted, wanted)).toEqual([
      { field: 'HealthCheckPath', old: '/old', new: '/healthz' },
      { field: 'HealthCheckIntervalSeconds', old: '30', new: '5' },
      { field: 'Matcher', old: '200-299', new: '200' },
    ]);
    expect(healthCheckDrift(drifted, wanted)).toEqual(['HealthCheckPath', 'HealthCheckIntervalSeconds', 'Matcher']);
  });
});

describe('listenerChanges', () => {
  const s = { loadBalancerArn: 'lb', targetGroupArn: 'tg-1', port: 80 };
  it('none when it forwards to the group over HTTP; else protocol and target, old → new', () => {
    expect(
      listenerChanges({ Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: 'tg-1' }] }, s),
    ).toEqual([]);
    expect(
      listenerChanges({ Protocol: 'HTTPS', DefaultActions: [{ Type: 'forward', TargetGroupArn: 'tg-0' }] }, s),
    ).toEqual([
      { field: 'Protocol', old: 'HTTPS', new: 'HTTP' },
      { field: 'DefaultActions', old: 'forward to tg-0', new: 'forward to tg-1' },
    ]);
  });
});
