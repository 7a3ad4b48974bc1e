/**
 * The strict-AWS harness in one import. `recoverable()` is every behaviour ecsctl must ride
 * through on a real account (the all-at-once run); quotas and the name/partition/subnet refusals
 * end a run by design and are switched on by the tests that want them.
 */
import {
  clusterKeepsInstances,
  createServiceNotIdempotent,
  deletedLoadBalancerTags,
  newInstanceNotVisible,
  newSecurityGroupNotVisible,
  serviceLinkedRole,
  targetGroupKeepsListener,
  taskDefinitionDefaults,
} from './rules.js';
import type { Rule } from './rule.js';

export * from './rules.js';
export { s3AccessDenied, s3ConditionalConflict, s3SlowDown } from './s3.js';
export * from './proxy.js';
export type { Rule, StrictCall } from './rule.js';

/** Every recoverable behaviour at once, seeded. */
export function recoverable(seed = 15): Rule[] {
  return [
    serviceLinkedRole({ windowMs: 3_000 }),
    newSecurityGroupNotVisible({ windowMs: 3_000, seed, rate: 0.7 }),
    newInstanceNotVisible({ windowMs: 5_000, seed }),
    taskDefinitionDefaults(),
    // Bounded by count, not only time, so they bite however fast the run gets there.
    clusterKeepsInstances({ windowMs: 60_000, times: 2 }),
    targetGroupKeepsListener({ windowMs: 60_000, times: 2 }),
    createServiceNotIdempotent(),
    deletedLoadBalancerTags(),
  ];
}
