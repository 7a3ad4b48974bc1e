import { describe, expect, it } from 'vitest';
import { closestOptions } from '../../../src/cli/suggest.js';

const UP = [
  '--name',
  '--region',
  '--instance-count',
  '--instance-type',
  '--desired-count',
  '--min-count',
  '--max-count',
  '--container-port',
  '--listener-port',
  '--no-logs',
  '--wait-timeout',
];

describe('closestOptions', () => {
  it('finds the flags a word belongs to: --count → --desired-count first (alphabetical), at most three', () => {
    expect(closestOptions('--count', UP)).toEqual(['--desired-count', '--instance-count', '--max-count']);
  });

  it('prefers typos of one flag over flags sharing a word', () => {
    expect(closestOptions('--instance-typ', UP)).toEqual(['--instance-type']);
    expect(closestOptions('--desird-count', UP)).toEqual(['--desired-count']);
    expect(closestOptions('--regoin', UP)).toEqual(['--region']);
  });

  it("matches another command's spelling of a flag by its words", () => {
    expect(closestOptions('--instance-type', ['--count', '--type', '--wait-timeout'])).toEqual(['--type']);
    expect(closestOptions('--port', UP)).toEqual(['--container-port', '--listener-port']);
  });

  it('ignores a value and a --no- prefix, and the negated flag matches its word', () => {
    expect(closestOptions('--count=3', UP)).toContain('--desired-count');
    expect(closestOptions('--no-log', UP)).toEqual(['--no-logs']);
  });

  it('suggests nothing when no flag is close', () => {
    expect(closestOptions('--zzz', UP)).toEqual([]);
    expect(closestOptions('--x', UP)).toEqual([]);
  });
});
