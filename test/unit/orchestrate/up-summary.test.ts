import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../src/orchestrate/graph.js';
import { anythingChanged } from '../../../src/orchestrate/up-command.js';

/** The outcomes a rerun of `up` on a complete stack reports (from an e2e run against moto). */
const RERUN = {
  network: outcomeOf('unchanged', 'unchanged: vpc-03273f16720761e84, 6 subnets'),
  ami: outcomeOf('read', 'read: ami-0aae19d30bab785d3'),
  cluster: outcomeOf('unchanged'),
  lbSg: outcomeOf('unchanged', 'unchanged: sg-d8ceceb8906b5fd4a'),
  repo: outcomeOf('unchanged'),
  build: outcomeOf('unchanged', 'unchanged: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1'),
  push: outcomeOf('skipped', 'skipped (--image)'),
  instanceSg: outcomeOf('unchanged', 'unchanged: sg-ac2ea4a76a727aeea'),
  iam: outcomeOf('unchanged'),
  targetGroup: outcomeOf('unchanged'),
  loadBalancer: outcomeOf('unchanged', 'unchanged, active'),
  lbActive: outcomeOf('read', 'read: active'),
  listener: outcomeOf('unchanged'),
  taskdef: outcomeOf('unchanged', 'unchanged, revision 1'),
  instances: outcomeOf('unchanged', 'unchanged, 2/2 registered'),
  service: outcomeOf('unchanged'),
  rollout: outcomeOf('read', 'read: 10/10 running, 2/10 healthy, rollout COMPLETED'),
};

describe('anythingChanged', () => {
  it('is false for a rerun where every step is unchanged or only read', () => {
    expect(anythingChanged(RERUN)).toBe(false);
  });
  it('is true when a security group was created', () => {
    expect(anythingChanged({ ...RERUN, lbSg: outcomeOf('created', 'created: sg-0123') })).toBe(true);
  });
  it('is true when the service was updated', () => {
    expect(anythingChanged({ ...RERUN, service: outcomeOf('updated', 'updated: circuit breaker on') })).toBe(true);
  });
  it('reads the outcome, not the text: an image already pushed is no change', () => {
    expect(
      anythingChanged({ ...RERUN, push: outcomeOf('already pushed', 'already pushed sha256:0123456789ab…') }),
    ).toBe(false);
  });
});
