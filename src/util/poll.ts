/**
 * The one poll loop every wait uses. It checks at once, then after intervals that start at
 * 0.25 s and double (with a little jitter) up to a cap chosen per resource from how long AWS
 * takes (`WAITS`): an emulator or an already-finished resource is seen within a second, and a
 * real one is seen at most one cap (2–5 s) after it is ready — never the SDK waiters' 15–600 s
 * backoff. Before AWS's usual duration is up, an interval may stretch to a quarter of the time
 * still expected, which keeps a 150 s load-balancer wait under 20 describe calls. Sleep, clock
 * and randomness are injected, so tests run instantly and prove the schedule; a timeout exits 4.
 */
import { WaitTimeoutError } from '../errors.js';

export interface Clock {
  /**
   * Rejects with the reason at once when the command is interrupted (Ctrl-C) or when `signal`
   * aborts (in `up`/`down`: another task failed, so every wait stops).
   */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  /** In [0, 1); the poll jitter. @default Math.random */
  readonly random?: () => number;
  /**
   * ECSCTL_POLL_SCALE: each sleep lasts this share of what was asked (the time model's 1/20).
   * pollUntil divides the wall clock by it to know how long a wait has lasted in AWS time. @default 1
   */
  readonly scale?: number;
}

export interface PollSchedule {
  /** Longest interval once the resource may be ready any moment. */
  readonly capMs: number;
  /** How long AWS usually takes; before then an interval may be up to a quarter of what remains. */
  readonly expectedMs?: number;
  /** The first interval after the immediate check. @default 250 */
  readonly firstMs?: number;
}

/**
 * How long each thing ecsctl waits for takes on AWS (aws-facts §1–2, in brackets), and the cap
 * that follows from it: the longer and less predictable the wait, the larger the cap may be
 * without being noticed (5 s against ~150 s), the shorter, the tighter (2 s).
 */
export const WAITS = {
  /** CreateLoadBalancer → `active` [~150 s; 88–185 s seen]. */
  loadBalancerActive: { expectedMs: 150_000, capMs: 5_000 },
  /** DeleteLoadBalancer → no longer described [seconds]. */
  loadBalancerDeleted: { expectedMs: 5_000, capMs: 2_000 },
  /** A deleted ALB's network interfaces released, so its security group can go [~90 s, "some minutes"]. */
  loadBalancerInterfaces: { expectedMs: 90_000, capMs: 2_000 },
  /** RunInstances → running and registered by the ECS agent [18 s + 22 s]. */
  instancesRegistered: { expectedMs: 40_000, capMs: 2_000 },
  /** TerminateInstances → terminated [30–40 s]. */
  instancesTerminated: { expectedMs: 35_000, capMs: 2_000 },
  /** New tasks running and their targets healthy [~10 s + one 5 s health check]. */
  rollout: { expectedMs: 15_000, capMs: 2_000 },
  /** DeleteService → INACTIVE [deregistration delay + stop + ~8 s]. */
  serviceInactive: { expectedMs: 15_000, capMs: 2_000 },
  /** An Auto Scaling group's instances terminated after it was set to 0 [30–40 s, plus draining]. */
  groupEmptied: { expectedMs: 60_000, capMs: 3_000 },
  /** DeleteAutoScalingGroup / DeleteCapacityProvider → gone [seconds to a minute]. */
  capacityDeleted: { expectedMs: 20_000, capMs: 3_000 },
  /** An instance refresh replacing every instance [minutes per instance]. */
  instanceRefresh: { expectedMs: 600_000, capMs: 15_000 },
  /** A one-off task (`ecsctl run`) stopping: as long as the user's command runs. */
  taskStopped: { capMs: 2_000 },
  /** ACM filling in a new certificate's DomainValidationOptions ["a delay of several seconds"]. */
  certificateRecordNamed: { expectedMs: 5_000, capMs: 2_000 },
  /** DNS validation → ISSUED once the CNAME resolves [minutes; "up to 30 minutes", ACM user guide]. */
  certificateIssued: { expectedMs: 180_000, capMs: 10_000 },
  /** A retry of a call AWS refuses for a short while (ResourceInUse on a just-freed target group). */
  shortRetry: { capMs: 2_000 },
  /** A local container answering HTTP (not AWS). */
  localContainer: { capMs: 250, firstMs: 50 },
} as const satisfies Record<string, PollSchedule>;

/** Jitter: each interval is shortened by up to this share, so concurrent waiters drift apart. */
const JITTER = 0.1;

/**
 * The interval before poll number `n + 1` (n = 0 after the immediate check), given how long the
 * wait has lasted so far. Pure: the unit tests walk it with an injected clock.
 */
export function nextInterval(s: PollSchedule, n: number, lastedMs: number, random: () => number): number {
  const first = s.firstMs ?? 250;
  const remaining = s.expectedMs !== undefined ? s.expectedMs - lastedMs : 0;
  const limit = Math.max(s.capMs, remaining / 4);
  const base = Math.min(first * 2 ** Math.min(n, 30), limit);
  return Math.max(1, Math.floor(base * (1 - JITTER * random())));
}

export interface PollOptions<T> extends Clock {
  /** Human phrase for messages: "service web to become stable". */
  readonly what: string;
  readonly read: () => Promise<T>;
  /** True when finished; throw from here to stop early with a failure. */
  readonly done: (value: T) => boolean;
  readonly onPoll?: (value: T, elapsedMs: number) => void;
  /** One of `WAITS`, or a schedule of the caller's own. */
  readonly schedule: PollSchedule;
  /** @default 600_000 */
  readonly timeoutMs?: number;
  readonly hint?: string;
  /** The hint when an emulator answers (see EcsctlErrorOptions). */
  readonly emulatorHint?: string;
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const { timeoutMs = 600_000 } = o;
  const random = o.random ?? Math.random;
  const started = o.now();
  // How long the wait has lasted in AWS time, for the stretch before `expectedMs`: the wall clock,
  // calls included (AWS's ~90 s run from the deletion, not from our sleeps: counting only the
  // sleeps put the dense end of a 90 s wait ~5 s late, fifteen describe calls later), divided by
  // ECSCTL_POLL_SCALE under the time model, whose sleeps are scaled.
  const lasted = () => (o.now() - started) / (o.scale ?? 1);
  for (let n = 0; ; n++) {
    const value = await o.read();
    const elapsed = o.now() - started;
    o.onPoll?.(value, elapsed);
    if (o.done(value)) return value;
    if (elapsed >= timeoutMs) {
      throw new WaitTimeoutError(`timed out after ${Math.round(elapsed / 1000)}s waiting for ${o.what}`, {
        ...(o.hint ? { hint: o.hint } : {}),
        ...(o.emulatorHint ? { emulatorHint: o.emulatorHint } : {}),
      });
    }
    const interval = Math.min(nextInterval(o.schedule, n, lasted(), random), Math.max(1, timeoutMs - elapsed));
    await o.sleep(interval);
  }
}

/** "1m 05s" style elapsed time for progress lines. */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
