/**
 * Image: `ecsctl image build` of fixtures/app (Dockerfile.scratch: FROM scratch + the static
 * /bin/busybox, so nothing is pulled) and `image push --registry` to a local registry v2 started by
 * scripts/engine-up.sh (with dockerd), then a second push of the same digest (skipped).
 * The engine is stopped by scripts/engine-down.sh, which stops both daemons by PID.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run } from './lib.mjs';
import { ecsctl } from './sides.mjs';

export async function image(moto) {
  const engineDir = mkdtempSync(join(tmpdir(), 'ecsctl-eng-'));
  const env0 = { ENGINE_DIR: engineDir, REGISTRY_ADDR: '' };
  const stateDir = mkdtempSync(join(tmpdir(), 'ecsctl-bench-'));
  try {
    const up = await run('bash', [join(ROOT, 'scripts/engine-up.sh')], { env: env0 });
    if (up.code !== 0) throw new Error(`engine-up.sh failed: ${up.stderr.slice(-1500)}`);
    const vars = Object.fromEntries([...up.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    const ctxDir = join(stateDir, 'app');
    cpSync(join(ROOT, 'fixtures/app'), ctxDir, { recursive: true });
    cpSync('/bin/busybox', join(ctxDir, 'busybox'));
    const env = { DOCKER_HOST: vars.DOCKER_HOST };
    const step = async (args) => {
      const r = await ecsctl(moto.endpoint, args, { stateDir, env });
      if (r.code !== 0) throw new Error(`ecsctl ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-1500)}`);
      return r;
    };
    await step(['repo', 'create', '--name', 'img']);
    const build = await step(['image', 'build', '--context', ctxDir, '--dockerfile', 'Dockerfile.scratch', '--json']);
    const push = await step(['image', 'push', '--context', ctxDir, '--registry', vars.REGISTRY_ADDR, '--json']);
    const again = await step(['image', 'push', '--context', ctxDir, '--registry', vars.REGISTRY_ADDR, '--json']);
    const outcome = JSON.parse(again.stdout).outcome;
    return { engineUpMs: up.ms, buildMs: build.ms, pushMs: push.ms, secondPushMs: again.ms, secondOutcome: outcome };
  } finally {
    await run('bash', [join(ROOT, 'scripts/engine-down.sh')], { env: env0 });
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(engineDir, { recursive: true, force: true });
  }
}
