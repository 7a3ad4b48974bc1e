/** The runner's small process-level helpers: the confirmation prompt, the poll scale, an abortable sleep. */
import { createInterface } from 'node:readline/promises';

/** Asks on stderr; true only for "y" or "yes". */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * ECSCTL_POLL_SCALE multiplies every sleep (poll intervals, retry backoff). The time-scaled
 * benchmark runs AWS delays at 1:20 and sets 0.05 so polling keeps the same proportions.
 */
export function pollScale(env: NodeJS.ProcessEnv): number {
  const value = Number(env.ECSCTL_POLL_SCALE ?? '1');
  return Number.isFinite(value) && value > 0 ? value : 1;
}

/** Resolves after `ms`, or rejects with the reason the moment any of the signals aborts. */
export function sleep(ms: number, signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return reject(aborted.reason);
    const done = () => signals.forEach((s) => s.removeEventListener('abort', onAbort));
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    function onAbort(this: AbortSignal) {
      clearTimeout(timer);
      done();
      reject(this.reason);
    }
    signals.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
  });
}
