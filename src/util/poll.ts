/**
 * The one poll loop every wait uses: fixed short interval (never the SDK waiters' 15–600 s
 * backoff), injected sleep/now so tests run instantly, a bounded timeout that exits 4.
 */
import { WaitTimeoutError } from '../errors.js';

export interface Clock {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export interface PollOptions<T> extends Clock {
  /** Human phrase for messages: "service web to become stable". */
  readonly what: string;
  readonly read: () => Promise<T>;
  /** True when finished; throw from here to stop early with a failure. */
  readonly done: (value: T) => boolean;
  readonly onPoll?: (value: T, elapsedMs: number) => void;
  /** @default 3_000 */
  readonly intervalMs?: number;
  /** @default 600_000 */
  readonly timeoutMs?: number;
  readonly hint?: string;
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const { intervalMs = 3_000, timeoutMs = 600_000 } = o;
  const started = o.now();
  for (;;) {
    const value = await o.read();
    const elapsed = o.now() - started;
    o.onPoll?.(value, elapsed);
    if (o.done(value)) return value;
    if (elapsed >= timeoutMs) {
      throw new WaitTimeoutError(
        `timed out after ${Math.round(elapsed / 1000)}s waiting for ${o.what}`,
        o.hint ? { hint: o.hint } : {},
      );
    }
    await o.sleep(Math.min(intervalMs, Math.max(0, timeoutMs - elapsed)) || intervalMs);
  }
}

/** "1m 05s" style elapsed time for progress lines. */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
