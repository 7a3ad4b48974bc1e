import { describe, expect, it } from 'vitest';
import { derivedNames, refusedDerivedName } from '../../../src/util/names.js';
import { stackName } from '../../../src/util/validate.js';
import { UsageError } from '../../../src/errors.js';

describe('derived names, each against its service rules', () => {
  it('accepts an ordinary stack name: every derived name passes', () => {
    expect(refusedDerivedName('web')).toBeUndefined();
    expect(refusedDerivedName('a'.repeat(28))).toBeUndefined();
    expect(derivedNames('web').map((d) => d.name)).toContain('web-lb-sg');
  });

  it('refuses sg-… (security group names may not start with sg-) and internal-… (ALB names)', () => {
    expect(refusedDerivedName('sg-web')).toMatch(/security group name "sg-web-lb-sg" may not start with "sg-"/);
    expect(refusedDerivedName('internal-web')).toMatch(
      /load balancer name "internal-web-lb" may not start with "internal-"/,
    );
  });

  it('makes --name fail with one usage line (exit 2) before any AWS call', () => {
    expect(() => stackName('sg-web')).toThrow(UsageError);
    expect(() => stackName('internal-web')).toThrow(/--name "internal-web" cannot be used: the load balancer name/);
  });
});
