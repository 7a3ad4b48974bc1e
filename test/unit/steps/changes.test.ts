import { describe, expect, it } from 'vitest';
import { describeChange, fieldChange, shown } from '../../../src/steps/changes.js';

describe('field changes', () => {
  it('reads missing values as "none" and lists joined, so "unset" and "empty" compare equal', () => {
    expect(shown(undefined)).toBe('none');
    expect(shown([])).toBe('none');
    expect(shown(['a', 'b'])).toBe('a, b');
    expect(fieldChange('x', undefined, [])).toEqual([]);
  });

  it('compares what a user reads: 5 and "5" are the same, 5 and 6 are a change', () => {
    expect(fieldChange('interval', '5', 5)).toEqual([]);
    expect(fieldChange('interval', 5, 6)).toEqual([{ field: 'interval', old: '5', new: '6' }]);
    expect(describeChange({ field: 'desired count', old: '10', new: '4' })).toBe('desired count 10 → 4');
  });
});
