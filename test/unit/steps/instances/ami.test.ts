import { beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { OperationError, UsageError } from '../../../../src/errors.js';
import { amiParameter, isGraviton, resolveAmi } from '../../../../src/steps/instances/ami.js';
import { instanceType, ipv4Cidr, keyPairName } from '../../../../src/util/validate.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const X86 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';

beforeEach(() => resetAwsMocks());

describe('Graviton AMI choice', () => {
  it.each([
    't4g.small',
    'm6g.large',
    'm6gd.xlarge',
    'c7g.medium',
    'c7gn.large',
    'r8g.large',
    'x2gd.large',
    'im4gn.large',
    'g5g.xlarge',
    'hpc7g.4xlarge',
    'a1.medium',
  ])('%s is arm64', (type) => {
    expect(isGraviton(type)).toBe(true);
    expect(amiParameter(type)).toBe(ARM);
  });

  it.each([
    't3.small',
    't2.micro',
    'm5.large',
    'm7i.large',
    'c6a.large',
    'g5.xlarge',
    'p4d.24xlarge',
    'inf2.xlarge',
    'u-6tb1.metal',
  ])('%s is x86_64', (type) => {
    expect(isGraviton(type)).toBe(false);
    expect(amiParameter(type)).toBe(X86);
  });

  it('reads the arm64 parameter for a Graviton type', async () => {
    const { ctx } = testContext();
    awsMock.ssm.on(GetParameterCommand, { Name: ARM }).resolves({ Parameter: { Value: 'ami-07033a1a30f75c132' } });
    awsMock.ssm.on(GetParameterCommand, { Name: X86 }).resolves({ Parameter: { Value: 'ami-0aae19d30bab785d3' } });
    expect(await resolveAmi(ctx, { instanceType: 't4g.small' })).toEqual({
      imageId: 'ami-07033a1a30f75c132',
      source: ARM,
    });
    expect(await resolveAmi(ctx, { instanceType: 't3.small' })).toEqual({
      imageId: 'ami-0aae19d30bab785d3',
      source: X86,
    });
  });

  it('uses --ami without asking SSM', async () => {
    const { ctx } = testContext();
    expect(await resolveAmi(ctx, { instanceType: 't4g.small', ami: 'ami-0123456789abcdef0' })).toEqual({
      imageId: 'ami-0123456789abcdef0',
      source: '--ami',
    });
    expect(awsMock.ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  it('explains a region without the parameter', async () => {
    const { ctx } = testContext();
    awsMock.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    const error = await resolveAmi(ctx, { instanceType: 't3.small' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).hint).toMatch(/--ami/);
  });
});

describe('instance input validation', () => {
  it('accepts instance-type shapes and rejects others', () => {
    for (const ok of ['t3.small', 'm7g.xlarge', 'u-6tb1.metal', 'c7gn.16xlarge']) expect(instanceType(ok)).toBe(ok);
    for (const bad of ['t3', 'T3.small', 't3.', '.small', 't3 .small', '3t.small', 't3.small;rm'])
      expect(() => instanceType(bad)).toThrow(UsageError);
  });

  it('accepts IPv4 CIDR blocks only', () => {
    for (const ok of ['0.0.0.0/0', '203.0.113.0/24', '10.1.2.3/32']) expect(ipv4Cidr(ok, '--ingress-cidr')).toBe(ok);
    for (const bad of ['0.0.0.0', '256.0.0.0/8', '1.2.3.4/33', '::/0', '1.2.3/24'])
      expect(() => ipv4Cidr(bad, '--ingress-cidr')).toThrow(/--ingress-cidr/);
  });

  it('accepts printable key pair names', () => {
    expect(keyPairName('my key')).toBe('my key');
    expect(() => keyPairName('')).toThrow(UsageError);
    expect(() => keyPairName(' padded')).toThrow(UsageError);
    expect(() => keyPairName('tab\there')).toThrow(UsageError);
  });
});
