/**
 * The one instance type → architecture rule, over real type names. The expected values are
 * EC2's own `ProcessorInfo.SupportedArchitectures` for each type, as DescribeInstanceTypes
 * reports it (read from the EC2 catalogue moto ships, which is AWS's data): the family rule must
 * agree with it, and EC2's answer wins when AWS can be asked.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import {
  architectureByFamily,
  architectureOfPlatform,
  instanceArchitecture,
  platformFor,
} from '../../../../src/steps/instances/arch.js';
import { isGraviton } from '../../../../src/steps/instances/ami.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

/** [type, SupportedArchitectures as EC2 lists them]. */
const REAL_TYPES: readonly [string, readonly string[]][] = [
  ['t4g.small', ['arm64']],
  ['t4g.nano', ['arm64']],
  ['m7g.large', ['arm64']],
  ['c8g.large', ['arm64']],
  ['r7gd.large', ['arm64']],
  ['a1.medium', ['arm64']],
  ['m6gd.large', ['arm64']],
  ['m6g.large', ['arm64']],
  ['c6gn.large', ['arm64']],
  ['c7gn.large', ['arm64']],
  ['c8gd.large', ['arm64']],
  ['c8gn.large', ['arm64']],
  ['m8g.large', ['arm64']],
  ['m8gd.large', ['arm64']],
  ['r8g.large', ['arm64']],
  ['x2gd.large', ['arm64']],
  ['x8g.large', ['arm64']],
  ['im4gn.large', ['arm64']],
  ['is4gen.large', ['arm64']],
  ['i8g.large', ['arm64']],
  ['g5g.xlarge', ['arm64']],
  ['hpc7g.4xlarge', ['arm64']],
  ['t3.small', ['x86_64']],
  ['t3a.small', ['x86_64']],
  ['t2.micro', ['i386', 'x86_64']],
  ['m1.small', ['i386', 'x86_64']],
  ['m5.large', ['x86_64']],
  ['m5zn.large', ['x86_64']],
  ['c7i.large', ['x86_64']],
  ['c7i-flex.large', ['x86_64']],
  ['m7i-flex.large', ['x86_64']],
  ['r7a.large', ['x86_64']],
  ['m8a.large', ['x86_64']],
  ['r8i.large', ['x86_64']],
  ['i7ie.large', ['x86_64']],
  ['z1d.large', ['x86_64']],
  ['x2iedn.xlarge', ['x86_64']],
  ['g4ad.xlarge', ['x86_64']],
  ['g5.xlarge', ['x86_64']],
  ['p4d.24xlarge', ['x86_64']],
  ['inf2.xlarge', ['x86_64']],
  ['trn1.2xlarge', ['x86_64']],
  ['u7i-12tb.224xlarge', ['x86_64']],
];

const expected = (archs: readonly string[]) => (archs.includes('x86_64') ? 'x86_64' : 'arm64');

beforeEach(() => resetAwsMocks());

describe('instance type → architecture', () => {
  it.each(REAL_TYPES)('the family rule gives %s what EC2 lists (%j)', (type, archs) => {
    expect(architectureByFamily(type)).toBe(expected(archs));
    // The AMI choice follows the same rule.
    expect(isGraviton(type)).toBe(expected(archs) === 'arm64');
  });

  it.each(REAL_TYPES)('DescribeInstanceTypes decides %s when AWS answers', async (type, archs) => {
    awsMock.ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: [type as never] }).resolves({
      InstanceTypes: [{ InstanceType: type as never, ProcessorInfo: { SupportedArchitectures: [...archs] as never } }],
    });
    const { ctx } = testContext();
    expect(await instanceArchitecture(ctx, type)).toEqual({
      architecture: expected(archs),
      source: 'DescribeInstanceTypes',
    });
  });

  it("takes EC2's answer over the family name, and the family name when EC2 cannot answer", async () => {
    // A made-up family the rule would call x86_64: EC2's answer wins.
    awsMock.ec2.on(DescribeInstanceTypesCommand).resolvesOnce({
      InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: ['arm64'] } }],
    });
    const { ctx } = testContext();
    expect(await instanceArchitecture(ctx, 'zz9.large')).toEqual({
      architecture: 'arm64',
      source: 'DescribeInstanceTypes',
    });

    awsMock.ec2.on(DescribeInstanceTypesCommand).rejects(awsError('UnauthorizedOperation'));
    expect(await instanceArchitecture(ctx, 't4g.small')).toEqual({ architecture: 'arm64', source: 'family name' });
    awsMock.ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [] });
    expect(await instanceArchitecture(ctx, 'm5.large')).toEqual({ architecture: 'x86_64', source: 'family name' });
    // A mac type (arm64_mac) is no Linux host: the family rule decides.
    awsMock.ec2.on(DescribeInstanceTypesCommand).resolves({
      InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: ['arm64_mac'] } }],
    });
    expect((await instanceArchitecture(ctx, 'mac2.metal')).source).toBe('family name');
  });

  it('maps platforms to architectures and back', () => {
    expect(platformFor('arm64')).toBe('linux/arm64');
    expect(platformFor('x86_64')).toBe('linux/amd64');
    expect(architectureOfPlatform('linux/amd64')).toBe('x86_64');
    expect(architectureOfPlatform('linux/arm64')).toBe('arm64');
    expect(architectureOfPlatform('linux/arm64/v8')).toBe('arm64');
    for (const p of ['linux/arm/v7', 'linux/386', 'windows/amd64', 'linux/s390x'])
      expect(architectureOfPlatform(p)).toBeUndefined();
  });
});
