/**
 * Retries as the SDK's adaptive mode does (client-side rate limiting, backoff on throttling and
 * 5xx), with more attempts than the default 3 so that bursts of throttling on a busy account do
 * not fail a 10-minute `up`, but only two attempts when the endpoint cannot be reached at all:
 * a typo in --endpoint-url should fail in seconds, not after a minute of backoff; and never on a
 * service quota error (src/aws/quota.ts), which backing off cannot fix.
 */
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import { isQuotaError } from './quota.js';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';

export const MAX_ATTEMPTS = Number(process.env.ECSCTL_MAX_ATTEMPTS) > 0 ? Number(process.env.ECSCTL_MAX_ATTEMPTS) : 8;
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function ecsctlRetryStrategy(maxAttempts = MAX_ATTEMPTS): RetryStrategyV2 {
  const inner = new AdaptiveRetryStrategy(async () => maxAttempts);
  return {
    acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
    async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo) {
      const code = (info.error as { code?: string } | undefined)?.code;
      if (code && UNREACHABLE.has(code) && (token as StandardRetryToken).getRetryCount() >= 1) {
        throw info.error;
      }
      // The SDK counts LimitExceededException as throttling; a quota will not lift in a minute.
      if (isQuotaError(info.error)) throw info.error;
      return inner.refreshRetryTokenForRetry(token as StandardRetryToken, info);
    },
    recordSuccess: (token: RetryToken) => inner.recordSuccess(token as StandardRetryToken),
  };
}
