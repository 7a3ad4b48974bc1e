import type { Clients, ServiceName } from '../aws/clients.js';
import type { StateHandle } from '../state/store.js';
import type { Reporter } from '../ui/reporter.js';
import type { Clock } from '../util/poll.js';

/** Everything a step may touch. Tests pass mocked clients, a memory state and an instant clock. */
export interface StepContext extends Clock {
  readonly aws: Clients;
  readonly report: Reporter;
  readonly state: StateHandle;
  /** Aborted on SIGINT: steps stop starting new work; in-flight calls finish and are recorded. */
  readonly signal?: AbortSignal;
  /**
   * Set when the command does not wait for every client before starting (up, down): resolves once
   * these services' clients are built. Graph tasks await their own before running.
   */
  readonly awsReady?: (services: readonly ServiceName[]) => Promise<void>;
}

/** The stack name, from the state (set once by --name). */
export const stackOf = (ctx: StepContext): string => ctx.state.current.name;

/** The step's clock, for pollUntil. */
export const clockOf = (ctx: StepContext): Clock => ({
  sleep: ctx.sleep,
  now: ctx.now,
  ...(ctx.random ? { random: ctx.random } : {}),
  ...(ctx.scale ? { scale: ctx.scale } : {}),
});
