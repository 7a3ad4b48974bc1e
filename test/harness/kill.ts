/**
 * SIGKILL at the worst moment: the proxy forwards a create (or delete) call but holds its answer,
 * so AWS has acted and ecsctl has not heard; the CLI is killed right then. Waiting is on events
 * the proxy records (the call reached moto, moto answered), never on a fixed pause: a loaded
 * machine can take longer than any pause, and then the kill would come before AWS acted.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collect, spawnCli, type CliOptions, type CliResult } from './cli.js';
import type { Call, Proxy } from './proxy.js';

const tick = () => new Promise((r) => setTimeout(r, 20));

export interface KillResult {
  /** The held operation the run was killed at, or undefined when it finished without reaching one. */
  readonly killedAt?: string;
  /** How the process ended. */
  readonly result: CliResult;
}

/**
 * Runs `args` while the proxy holds every operation in `points` (the caller's `hold` set, which
 * its proxy decision reads); kills the process once moto has answered the first held call that
 * reached it. Resolves when the process has ended, with the held points released.
 */
export async function runKillingAt(
  proxy: Proxy,
  hold: Set<string>,
  points: Iterable<string>,
  args: string[],
  opts: CliOptions,
  /** How a call is named in `hold`/`points` (and by the proxy's decision): its operation by default. */
  nameOf: (call: Call) => string = (call) => call.operation,
): Promise<KillResult> {
  for (const p of points) hold.add(p);
  const from = proxy.calls.length;
  const child = spawnCli(args, opts);
  const done = collect(child, { timeoutMs: opts.timeoutMs ?? 170_000 });
  let exited = false;
  void done.then(() => (exited = true));
  let killedAt: string | undefined;
  try {
    while (!exited) {
      const call = proxy.calls.slice(from).find((c) => hold.has(nameOf(c)));
      if (call?.answered) {
        killedAt = nameOf(call);
        child.kill('SIGKILL');
        break;
      }
      await tick();
    }
    return { killedAt, result: await done };
  } finally {
    hold.clear();
  }
}

/** The state file parsed (throws on a torn file), or undefined when there is none. */
export async function stateIn(cwd: string): Promise<Record<string, unknown> | undefined> {
  const path = join(cwd, 'ecsctl.state.json');
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>) : undefined;
}
