/**
 * --secret KEY=REF: what REF may be (checked before any call), the ARN a parameter name expands
 * to (region, account and the region's partition), and the policy naming exactly those ARNs.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import type { State } from '../../../../src/state/schema.js';
import {
  accountFromState,
  partitionOf,
  secretArn,
  secretFlag,
  secretsPolicyDocument,
} from '../../../../src/steps/taskdef/secrets.js';

const SM = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf';
const SSM = 'arn:aws:ssm:us-east-1:123456789012:parameter/web/api-key';

describe('--secret KEY=REF', () => {
  it('takes Secrets Manager and SSM parameter ARNs and parameter names', () => {
    expect(secretFlag(`DB_PASSWORD=${SM}`, '--secret')).toEqual(['DB_PASSWORD', SM]);
    expect(secretFlag(`API_KEY=${SSM}`, '--secret')).toEqual(['API_KEY', SSM]);
    expect(secretFlag('TOKEN=/web/token', '--secret')).toEqual(['TOKEN', '/web/token']);
    expect(secretFlag('TOKEN=token', '--secret')).toEqual(['TOKEN', 'token']);
  });
  it('refuses no "=", an empty REF, an ARN of another service and malformed refs', () => {
    for (const bad of [
      'DB_PASSWORD',
      'DB_PASSWORD=',
      '=x',
      'KEY=arn:aws:s3:::my-bucket/secret.txt',
      'KEY=arn:aws:kms:us-east-1:123456789012:key/1234',
      'KEY=arn:aws:ssm:us-east-1:123456789012:document/x',
      'KEY=arn:aws:secretsmanager:us-east-1::secret:x',
      'KEY=has space',
    ])
      expect(() => secretFlag(bad, '--secret'), bad).toThrow(UsageError);
    expect(() => secretFlag('KEY=arn:aws:s3:::b', '--secret')).toThrow(/ARN of s3/);
  });
});

describe('ARNs', () => {
  const where = { region: 'eu-west-1', account: '111122223333', partition: 'aws' };
  it('expands a parameter name with the stack’s region and account, with or without a leading slash', () => {
    expect(secretArn('/web/token', where)).toBe('arn:aws:ssm:eu-west-1:111122223333:parameter/web/token');
    expect(secretArn('token', where)).toBe('arn:aws:ssm:eu-west-1:111122223333:parameter/token');
    expect(secretArn(SM, where)).toBe(SM);
  });
  it('uses the region’s partition and refuses an ARN of another partition', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('ap-northeast-2')).toBe('aws');
    expect(secretArn('t', { region: 'cn-north-1', account: '1', partition: 'aws-cn' })).toMatch(/^arn:aws-cn:ssm:/);
    expect(() => secretArn(SM, { ...where, partition: 'aws-cn' })).toThrow(UsageError);
  });
  it('finds the account in an ARN the state already holds', () => {
    expect(
      accountFromState({ cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:444455556666:cluster/web' } } as State),
    ).toBe('444455556666');
    expect(accountFromState({} as State)).toBeUndefined();
  });
});

describe('the execution role’s inline policy', () => {
  it('names exactly the ARNs, per service, never "*"; a JSON-key suffix is cut to the secret', () => {
    const doc = JSON.parse(secretsPolicyDocument([SSM, `${SM}:password::`, SM])!);
    expect(doc.Statement).toEqual([
      { Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: [SSM] },
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [SM] },
    ]);
    expect(JSON.stringify(doc)).not.toContain('*');
    expect(secretsPolicyDocument([])).toBeUndefined();
  });
});
