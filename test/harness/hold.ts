/**
 * Holding one call at the proxy until the test lets it go: an event a test can wait for ("the
 * first operator is past the lock and at her first create", "the second operator is about to
 * write the state") instead of a pause that a loaded machine may outlast. The held call has not
 * reached AWS yet; `release` forwards it.
 */
import type { Call, Decision } from './proxy.js';

export interface Hold {
  /** Resolves with the call once it has arrived (and is being held). */
  readonly reached: Promise<Call>;
  release(): void;
}

export interface Holds {
  /** Holds the first call from now on that `match` accepts. */
  hold(match: (call: Call) => boolean): Hold;
  /** For the proxy's `decide`: waits while the call is held, then lets it pass. */
  decide(call: Call): Promise<Decision | undefined>;
}

export function holds(): Holds {
  const pending: { match: (c: Call) => boolean; arrived: (c: Call) => void; released: Promise<void> }[] = [];
  return {
    hold(match) {
      let arrived!: (c: Call) => void;
      let release!: () => void;
      const reached = new Promise<Call>((r) => (arrived = r));
      const released = new Promise<void>((r) => (release = r));
      pending.push({ match, arrived, released });
      return { reached, release };
    },
    async decide(call) {
      const i = pending.findIndex((p) => p.match(call));
      if (i < 0) return undefined;
      const [p] = pending.splice(i, 1);
      p!.arrived(call);
      await p!.released;
      return undefined;
    },
  };
}
