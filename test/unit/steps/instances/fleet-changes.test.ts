import { describe, expect, it } from 'vitest';
import { fleetChanges } from '../../../../src/steps/instances/launch.js';

const small = (n: number) => Array.from({ length: n }, (_, i) => ({ InstanceId: `i-${i}`, InstanceType: 't3.small' }));

describe('fleetChanges', () => {
  it('missing instances are a change up makes (it launches them)', () => {
    expect(fleetChanges(small(1), { count: 3, instanceType: 't3.small' })).toEqual({
      missing: 2,
      changes: [{ field: 'instance count', old: '1', new: '3' }],
      leftAlone: [],
    });
  });

  it('more instances, or another type: differences up leaves as they are', () => {
    expect(fleetChanges(small(3), { count: 2, instanceType: 't3.medium' })).toEqual({
      missing: -1,
      changes: [],
      leftAlone: [
        { field: 'instance count', old: '3', new: '2' },
        { field: 'instance type', old: 't3.small', new: 't3.medium' },
      ],
    });
    expect(fleetChanges(small(2), { count: 2, instanceType: 't3.small' })).toEqual({
      missing: 0,
      changes: [],
      leftAlone: [],
    });
  });
});
