/**
 * Calls and memory: `up` on an empty account, then a no-op rerun, through a counting proxy in
 * front of moto (the stand-ins talk to moto directly, so only ecsctl's calls are counted). Peak
 * RSS of the first `up` from /usr/bin/time -v ("Maximum resident set size").
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRead, run, startProxy } from './lib.mjs';
import { ecsctl, UP_ARGS } from './sides.mjs';

const summarize = (calls) => {
  const mine = calls.filter((c) => c.agent === 'client');
  const reads = mine.filter((c) => isRead(c.operation));
  const mutating = mine.filter((c) => !isRead(c.operation));
  return {
    total: mine.length,
    reads: reads.length,
    mutating: mutating.length,
    mutatingOps: [...new Set(mutating.map((c) => `${c.service}:${c.operation}`))],
  };
};

/** moto must be fresh and the stand-ins running against moto.endpoint. */
export async function callsAndMemory(moto, env = {}) {
  const proxy = await startProxy(moto.endpoint);
  const stateDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
  // GNU time is Debian's `time` package; a fresh machine may lack it (installed like engine-up.sh does).
  if (!existsSync('/usr/bin/time'))
    await run('bash', [
      '-c',
      'command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 time >&2',
    ]);
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  try {
    const first = await ecsctl(proxy.endpoint, UP_ARGS('calls'), {
      stateDir,
      env,
      prefix: timeBin ? [timeBin, '-v'] : [],
    });
    if (first.code !== 0) throw new Error(`up exited ${first.code}: ${first.stderr.slice(-1500)}`);
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(first.stderr)?.[1] ?? NaN);
    const up = summarize(proxy.calls.splice(0));
    const again = await ecsctl(proxy.endpoint, UP_ARGS('calls'), { stateDir, env });
    if (again.code !== 0) throw new Error(`rerun exited ${again.code}: ${again.stderr.slice(-1500)}`);
    const rerun = summarize(proxy.calls.splice(0));
    await ecsctl(moto.endpoint, ['down', '--yes'], { stateDir, env });
    return { up, rerun, rssMb: rssKb / 1024, firstMs: first.ms, rerunMs: again.ms };
  } finally {
    await proxy.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
