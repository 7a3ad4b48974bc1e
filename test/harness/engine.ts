/**
 * A real Docker engine and registry v2 for the image tests, started and stopped through the
 * project's own scripts (scripts/engine-up.sh / engine-down.sh), each under a private directory
 * so test files and sessions on the same machine never share one. The scripts install the
 * Debian packages when missing (CI installs them beforehand through scripts/ensure-tools.sh).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));

export interface EngineEnv {
  /** unix:///…/docker.sock (absent for a registry-only start). */
  readonly dockerHost?: string;
  readonly registryAddr: string;
  readonly registryUser: string;
  readonly registryPassword: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Starts dockerd + registry (or only a registry), returning what engine-up.sh wrote to its env file. */
export async function startEngine(
  options: { registryOnly?: boolean; registryPassword?: string } = {},
): Promise<EngineEnv> {
  // Short path: the unix sockets under it must stay below the 108-byte limit.
  const dir = await mkdtemp(join(tmpdir(), 'ecsctl-eng-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENGINE_DIR: dir,
    ...(options.registryOnly ? { REGISTRY_ONLY: '1' } : {}),
    ...(options.registryPassword ? { REGISTRY_PASSWORD: options.registryPassword } : {}),
  };
  delete env.REGISTRY_ADDR; // always a free port of our own
  const stop = async () => {
    await run('bash', [join(SCRIPTS, 'engine-down.sh')], { env: { ...process.env, ENGINE_DIR: dir }, timeout: 60_000 });
  };
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [join(SCRIPTS, 'engine-up.sh')], {
      env,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (e) {
    await stop().catch(() => undefined);
    throw new Error(`engine-up.sh failed: ${(e as { stderr?: string }).stderr ?? e}`);
  }
  const vars = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  return {
    dockerHost: vars.DOCKER_HOST,
    registryAddr: vars.REGISTRY_ADDR!,
    registryUser: vars.REGISTRY_USER!,
    registryPassword: vars.REGISTRY_PASSWORD!,
    dir,
    stop,
  };
}
