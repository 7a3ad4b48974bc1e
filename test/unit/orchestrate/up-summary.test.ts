import { describe, expect, it } from 'vitest';
import { anythingChanged } from '../../../src/orchestrate/up-command.js';

/** The outcomes a rerun of `up` on a complete stack reports (from an e2e run against moto). */
const RERUN = {
  network: 'unchanged: vpc-03273f16720761e84, 6 subnets',
  ami: 'read: ami-0aae19d30bab785d3',
  cluster: 'unchanged',
  lbSg: 'unchanged: sg-d8ceceb8906b5fd4a',
  repo: 'unchanged',
  build: 'unchanged: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1',
  push: 'skipped (--image)',
  instanceSg: 'unchanged: sg-ac2ea4a76a727aeea',
  iam: 'unchanged',
  targetGroup: 'unchanged',
  loadBalancer: 'unchanged, active',
  lbActive: 'read: active',
  listener: 'unchanged',
  taskdef: 'unchanged, revision 1',
  instances: 'unchanged, 2/2 registered',
  service: 'unchanged',
  rollout: 'read: 10/10 running, 2/10 healthy, rollout COMPLETED',
};

describe('anythingChanged', () => {
  it('is false for a rerun where every step is unchanged or only read', () => {
    expect(anythingChanged(RERUN)).toBe(false);
  });
  it('is true when a security group was created', () => {
    expect(anythingChanged({ ...RERUN, lbSg: 'created: sg-0123' })).toBe(true);
  });
  it('is true when the service was updated', () => {
    expect(anythingChanged({ ...RERUN, service: 'updated: deployment circuit breaker on, with rollback' })).toBe(true);
  });
});
