/**
 * Bounded, visible retries of one AWS call on error codes that mean "not yet" on a real account
 * (eventual consistency, a service-linked role being created, a dependency letting go), as
 * opposed to the SDK's own retries, which cover throttling and 5xx only. Errors are told apart by
 * code (`isAwsError`); `when` narrows a code AWS uses for many causes by its message, and only
 * then. Each retry is reported: the first on a line of its own (`report.warn`), the later ones
 * through `report.info`, which inside `up`/`down` is the task's progress line.
 */
import type { Reporter } from '../ui/reporter.js';
import { formatElapsed, type Clock } from '../util/poll.js';
import { errorName, isAwsError } from './errors.js';

export interface RetryOnOptions {
  /** Error codes (SDK exception names or wire codes) that mean "try again shortly". */
  readonly codes: readonly string[];
  /** Narrows the codes by message, for codes AWS gives many causes (InvalidParameterException). */
  readonly when?: (e: unknown) => boolean;
  /** What is being waited for, for the progress line: "ECS service-linked role". */
  readonly why: string;
  /** Give up after this long (then the last error is thrown as it came). @default 60_000 */
  readonly budgetMs?: number;
  /** First delay; each next one doubles, up to maxDelayMs. @default 1_000 */
  readonly delayMs?: number;
  /** @default 5_000 */
  readonly maxDelayMs?: number;
}

export interface RetryContext extends Clock {
  readonly report: Pick<Reporter, 'info' | 'warn'>;
  readonly signal?: AbortSignal;
}

/** True when `e` is one of `o.codes` (and passes `o.when`). */
export function isRetryable(e: unknown, o: Pick<RetryOnOptions, 'codes' | 'when'>): boolean {
  return isAwsError(e, ...o.codes) && (o.when?.(e) ?? true);
}

/**
 * Calls `fn` until it succeeds, retrying only the listed codes, with 1 s, 2 s, 4 s, 5 s… between
 * attempts, for at most `budgetMs`. Anything else, or the same error past the budget, is thrown.
 */
export async function retryOn<T>(ctx: RetryContext, o: RetryOnOptions, fn: () => Promise<T>): Promise<T> {
  const { budgetMs = 60_000, delayMs = 1_000, maxDelayMs = 5_000 } = o;
  const started = ctx.now();
  let delay = delayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const elapsed = ctx.now() - started;
      if (!isRetryable(e, o) || elapsed + delay > budgetMs || ctx.signal?.aborted) throw e;
      const line = `${o.why} (${errorName(e)}, attempt ${attempt}, ${formatElapsed(elapsed)}); retrying in ${formatElapsed(delay)}`;
      // The first retry gets a line of its own (a plain CI log shows a task's detail only every
      // few seconds); the later ones update the task's progress line.
      if (attempt === 1) ctx.report.warn(line);
      else ctx.report.info(line);
      await ctx.sleep(delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
