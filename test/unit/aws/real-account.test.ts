/**
 * The helpers for what real accounts answer: bounded retries by error code (retryOn and its
 * presets), quota errors never retried and named with a hint, ARNs in the region's partition.
 */
import { describe, expect, it } from 'vitest';
import { managedPolicyArn, partitionOf } from '../../../src/aws/arn.js';
import { asOperationError } from '../../../src/aws/errors.js';
import { ECS_SERVICE_LINKED_ROLE, NEW_SECURITY_GROUP } from '../../../src/aws/not-yet.js';
import { isQuotaError } from '../../../src/aws/quota.js';
import { ecsctlRetryStrategy } from '../../../src/aws/retry.js';
import { retryOn } from '../../../src/aws/retry-on.js';
import { awsError, testContext } from '../helpers/context.js';

const SLR = 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.';

describe('retryOn', () => {
  it('retries the listed code with growing delays, reporting each attempt, then returns', async () => {
    const { ctx, report, sleeps } = testContext();
    let n = 0;
    const out = await retryOn(ctx, NEW_SECURITY_GROUP, async () => {
      if (++n < 4) throw awsError('InvalidGroup.NotFound', "The security group 'sg-1' does not exist");
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(
      report.lines.filter((l) =>
        /new security group not yet visible to EC2 \(InvalidGroup.NotFound, attempt \d/.test(l),
      ),
    ).toHaveLength(3);
  });

  it('narrows a many-cause code by message: InvalidParameterException is retried only for the service-linked role', async () => {
    const { ctx } = testContext();
    let n = 0;
    await retryOn(ctx, ECS_SERVICE_LINKED_ROLE, async () => {
      if (++n === 1) throw awsError('InvalidParameterException', SLR);
    });
    expect(n).toBe(2);
    const other = awsError('InvalidParameterException', 'The container web does not exist in the task definition.');
    await expect(
      retryOn(ctx, ECS_SERVICE_LINKED_ROLE, async () => {
        throw other;
      }),
    ).rejects.toBe(other);
  });

  it('is bounded: past its budget the last error is thrown as it came', async () => {
    const { ctx, sleeps } = testContext();
    const e = awsError('InvalidGroup.NotFound');
    await expect(
      retryOn(ctx, { ...NEW_SECURITY_GROUP, budgetMs: 10_000 }, async () => {
        throw e;
      }),
    ).rejects.toBe(e);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });
});

describe('quotas', () => {
  it('are told by code on every protocol (EC2 code, SDK names, IAM wire code)', () => {
    for (const name of [
      'VcpuLimitExceeded',
      'InstanceLimitExceeded',
      'TooManyLoadBalancersException',
      'LimitExceededException',
    ])
      expect(isQuotaError(awsError(name)), name).toBe(true);
    expect(isQuotaError(Object.assign(awsError('Unknown'), { Code: 'LimitExceeded' }))).toBe(true);
    expect(isQuotaError(awsError('ThrottlingException'))).toBe(false);
    expect(isQuotaError(awsError('InvalidParameterException'))).toBe(false);
  });

  it('become one line naming the quota, with a hint to ask for more or use less', () => {
    const e = asOperationError(
      'launch 2 t3.small instance(s)',
      awsError('VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 0 allows'),
    );
    expect(e.message).toBe(
      'launch 2 t3.small instance(s): account quota reached: VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 0 allows',
    );
    expect(e.hint).toMatch(/Service Quotas console/);
    expect(e.hint).toMatch(/smaller --instance-type or a lower --instance-count/);
  });

  it('are never retried by the SDK strategy, though the SDK counts LimitExceededException as throttling', async () => {
    const strategy = ecsctlRetryStrategy(8);
    const token = await strategy.acquireInitialRetryToken('ecs');
    const quota = Object.assign(awsError('LimitExceededException'), { $metadata: { httpStatusCode: 400 } });
    await expect(
      strategy.refreshRetryTokenForRetry(token, { error: quota as never, errorType: 'THROTTLING' }),
    ).rejects.toBe(quota);
    const throttled = awsError('ThrottlingException');
    await expect(
      strategy.refreshRetryTokenForRetry(token, { error: throttled as never, errorType: 'THROTTLING' }),
    ).resolves.toBeDefined();
  });
});

describe('partitions', () => {
  it('come from the region', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(managedPolicyArn('cn-north-1', 'service-role/AmazonEC2ContainerServiceforEC2Role')).toBe(
      'arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
    );
  });
});
