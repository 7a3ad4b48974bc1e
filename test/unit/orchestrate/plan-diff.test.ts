import { describe, expect, it } from 'vitest';
import { detailedExitCode, renderChangePlan, type ChangePlanDocument } from '../../../src/orchestrate/plan-diff.js';

const doc = (steps: ChangePlanDocument['steps']): ChangePlanDocument => ({
  stack: 'web',
  region: 'us-east-1',
  dryRun: true,
  compared: true,
  hasChanges: steps.some((s) => s.action !== 'unchanged'),
  steps,
});
const same = (id: string) => ({ id, title: id, action: 'unchanged' as const, changes: [] });

describe('the change plan', () => {
  it('nothing to change: one line, and --detailed-exitcode exits 0', () => {
    const d = doc([same('targetGroup'), same('service')]);
    expect(renderChangePlan(d)).toBe(
      'no changes: stack web matches the settings (compared with AWS: targetGroup, service)',
    );
    expect(detailedExitCode(d)).toBe(0);
  });

  it('a step per change with a line per field; differences up leaves alone say so and what to run', () => {
    const d = doc([
      same('targetGroup'),
      {
        id: 'service',
        title: 'service web',
        action: 'update',
        changes: [{ field: 'desired count', old: '10', new: '4', applies: true }],
      },
      {
        id: 'instances',
        title: 'container instances',
        action: 'differs',
        changes: [
          { field: 'instance type', old: 't3.small', new: 't3.medium', applies: false, note: 'run instances delete' },
        ],
      },
    ]);
    expect(renderChangePlan(d).split('\n')).toEqual([
      'plan for stack web in us-east-1 (dry run, compared with AWS: nothing is changed)',
      '',
      'service web: update',
      '    desired count 10 → 4',
      'container instances: differs (left as it is by up)',
      '    instance type t3.small → t3.medium   (not changed by up: run instances delete)',
      '',
      '2 steps would change; unchanged: targetGroup',
    ]);
    expect(detailedExitCode(d)).toBe(5);
  });

  it('a step to create counts as a change', () => {
    expect(detailedExitCode(doc([{ id: 'service', title: 'service web', action: 'create', changes: [] }]))).toBe(5);
  });
});
