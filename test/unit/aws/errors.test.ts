import { describe, expect, it } from 'vitest';
import { asOperationError, errorName, isAwsError } from '../../../src/aws/errors.js';
import { OperationError } from '../../../src/errors.js';
import { awsError } from '../helpers/context.js';

describe('isAwsError', () => {
  it('matches by exception name, never by message text', () => {
    const e = awsError('ClusterNotFoundException', 'InvalidGroup.NotFound is not the name');
    expect(isAwsError(e, 'ClusterNotFoundException')).toBe(true);
    expect(isAwsError(e, 'InvalidGroup.NotFound')).toBe(false);
  });

  it('also matches the Code that EC2 and IAM query errors carry', () => {
    const e = Object.assign(new Error('x'), { name: 'Unknown', Code: 'InvalidGroup.NotFound' });
    expect(isAwsError(e, 'InvalidGroup.NotFound')).toBe(true);
  });

  it('answers false for values that are not errors', () => {
    expect(isAwsError(undefined, 'X')).toBe(false);
    expect(isAwsError('ClusterNotFoundException', 'ClusterNotFoundException')).toBe(false);
    expect(errorName(42)).toBeUndefined();
  });
});

describe('asOperationError', () => {
  it('reads "{what we did}: {name}: {first line of AWS message}" and keeps the cause', () => {
    const cause = awsError('InvalidParameterException', 'Unable to assume the service linked role.\nmore');
    const err = asOperationError('create ECS cluster web', cause);
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toBe(
      'create ECS cluster web: InvalidParameterException: Unable to assume the service linked role.',
    );
    expect(err.cause).toBe(cause);
  });

  it('does not repeat a message that only restates the name', () => {
    expect(asOperationError('delete x', awsError('ResourceInUse')).message).toBe('delete x: ResourceInUse');
  });

  it('returns an OperationError unchanged', () => {
    const original = new OperationError('already explained');
    expect(asOperationError('anything', original)).toBe(original);
  });

  it('says the endpoint is unreachable for connection errors, with a hint about --endpoint-url', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const err = asOperationError('describe clusters', refused);
    expect(err.message).toBe('describe clusters: cannot reach the AWS endpoint (ECONNREFUSED)');
    expect(err.hint).toMatch(/--endpoint-url/);
  });

  it('hints at credentials for authentication failures and at permissions for denials', () => {
    expect(asOperationError('x', awsError('ExpiredTokenException')).hint).toMatch(/credentials/);
    expect(asOperationError('x', awsError('AccessDeniedException')).hint).toMatch(/lacks a permission/);
    expect(asOperationError('x', awsError('ValidationError')).hint).toBeUndefined();
  });
});
