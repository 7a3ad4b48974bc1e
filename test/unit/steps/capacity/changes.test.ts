import { describe, expect, it } from 'vitest';
import { groupChanges } from '../../../../src/steps/capacity/autoscaling-group.js';
import { providerChanges } from '../../../../src/steps/capacity/provider.js';

describe('groupChanges', () => {
  const group = { MinSize: 2, MaxSize: 4, DesiredCapacity: 3 } as never;
  it('none when the bounds match; a group being deleted is left alone', () => {
    expect(groupChanges(group, { count: 2, max: 4 })).toEqual({ changes: [] });
    expect(groupChanges({ ...(group as object), Status: 'Delete in progress' } as never, { count: 3, max: 6 })).toEqual(
      {
        changes: [],
      },
    );
  });

  it('new bounds; the desired count is only pulled into the new range', () => {
    expect(groupChanges(group, { count: 4, max: 8 })).toEqual({
      resize: 4,
      changes: [
        { field: 'group min size', old: '2', new: '4' },
        { field: 'group max size', old: '4', new: '8' },
        { field: 'group desired capacity', old: '3', new: '4' },
      ],
    });
    expect(groupChanges(group, { count: 2, max: 6 })).toEqual({
      resize: 3,
      changes: [{ field: 'group max size', old: '4', new: '6' }],
    });
  });
});

describe('providerChanges', () => {
  const provider = {
    autoScalingGroupProvider: {
      managedScaling: { status: 'ENABLED', targetCapacity: 100 },
      managedTerminationProtection: 'ENABLED',
      managedDraining: 'ENABLED',
    },
  } as never;
  it('the target capacity, and any managed setting turned off', () => {
    expect(providerChanges(provider, { targetCapacity: 100 })).toEqual([]);
    expect(providerChanges(provider, { targetCapacity: 80 })).toEqual([
      { field: 'target capacity', old: '100', new: '80' },
    ]);
  });
});
