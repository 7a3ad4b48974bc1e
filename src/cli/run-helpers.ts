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

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
