import type { PollSchedule } from '../util/poll.js';

/**
 * The words every step uses to say what it did, and the options every wait takes: declared once
 * so that `up`'s summary, `--json` and the tests read one vocabulary.
 */

/** What an ensure/delete step did to its resource. */
export type Outcome = 'created' | 'unchanged' | 'recreated' | 'deleted' | 'absent';

/** What a step that can also change a live resource in place did. */
export type ConvergeOutcome = 'created' | 'updated' | 'unchanged';

/** How long a wait may take and how often it looks. Each wait documents its own defaults. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Default: the wait's own entry in WAITS (src/util/poll.ts). */
  readonly schedule?: PollSchedule;
}
