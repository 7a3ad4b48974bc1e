/**
 * The two sides of the walkthrough comparison, each run as the user would: ecsctl's `up --image …`
 * then `down --yes`, and bench/walkthrough-awscli.sh (one `aws` process per step).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, CREDS, ROOT, run } from './lib.mjs';

export const IMAGE = 'public.ecr.aws/nginx/nginx:1.27';

/** `ecsctl up --image IMAGE` (extra args appended) with its own state file; {code, ms, stderr}. */
export async function ecsctl(endpoint, args, { stateDir, env = {}, prefix = [] } = {}) {
  const state = join(stateDir, 'ecsctl.state.json');
  const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
  return run(
    cmd,
    [...pre, ...(prefix.length ? [process.execPath] : []), BIN, ...args, '--state', state, '--endpoint-url', endpoint],
    { env: { ...CREDS, ...env }, cwd: stateDir },
  );
}

export const UP_ARGS = (name) => ['up', '--name', name, '--image', IMAGE, '--container-port', '80'];

/** up then down against `endpoint`; returns {ms, up, down}. */
export async function ecsctlUpDown(endpoint, { env = {}, name = 'bench' } = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
  try {
    const up = await ecsctl(endpoint, UP_ARGS(name), { stateDir, env });
    if (up.code !== 0) throw new Error(`ecsctl up exited ${up.code}: ${up.stderr.slice(-1500)}`);
    const down = await ecsctl(endpoint, ['down', '--yes'], { stateDir, env });
    if (down.code !== 0) throw new Error(`ecsctl down exited ${down.code}: ${down.stderr.slice(-1500)}`);
    return { ms: up.ms + down.ms, up: up.ms, down: down.ms };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** bench/walkthrough-awscli.sh against `endpoint`; returns {ms, invocations}. */
export async function walkthrough(endpoint, name = 'walk') {
  const r = await run('bash', [join(ROOT, 'bench/walkthrough-awscli.sh'), name], {
    env: { ...CREDS, ENDPOINT: endpoint },
  });
  if (r.code !== 0) throw new Error(`walkthrough-awscli.sh exited ${r.code}: ${r.stderr.slice(-1500)}`);
  return { ms: r.ms, invocations: Number(r.stdout.trim().split('\n').pop()) };
}
