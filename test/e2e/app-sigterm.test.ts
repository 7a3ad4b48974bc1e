/**
 * The sample app (fixtures/app) stops on SIGTERM, checked on a real Docker engine: `docker stop`
 * sends SIGTERM and, after its timeout (30 s, as ECS's default stopTimeout), SIGKILL. An app that
 * ignores SIGTERM (busybox httpd as PID 1 did) is killed — exit code 137 — after the whole
 * timeout; this one exits 0 on the signal. The test asserts the exit code, and prints the time.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { pack } from 'tar-fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type EngineEnv } from '../harness/engine.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/app/', import.meta.url));
let engine: EngineEnv;
let docker: Docker;
let ctxDir: string;

beforeAll(async () => {
  engine = await startEngine();
  docker = new Docker({ socketPath: engine.dockerHost!.replace(/^unix:\/\//, '') });
  ctxDir = join(await mkdtemp(join(tmpdir(), 'ecsctl-e2e-sigterm-')), 'app');
  await cp(FIXTURE, ctxDir, { recursive: true });
  await cp('/bin/busybox', join(ctxDir, 'busybox')); // Dockerfile.scratch: nothing to pull
}, 600_000);
afterAll(async () => {
  await engine?.stop();
}, 120_000);

describe('fixtures/app on a real engine', () => {
  it('exits 0 on SIGTERM (docker stop), instead of being killed after the 30 s timeout', async () => {
    const stream = await docker.buildImage(pack(ctxDir) as unknown as NodeJS.ReadableStream, {
      t: 'ecsctl-sigterm:test',
      dockerfile: 'Dockerfile.scratch',
    });
    const built = await new Promise<{ error?: string }[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(built.find((m) => m.error)?.error).toBeUndefined();
    const container = await docker.createContainer({
      Image: 'ecsctl-sigterm:test',
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      // Wait until the app has printed its start line (httpd is up).
      for (let i = 0; i < 50; i++) {
        const logs = (await container.logs({ stdout: true, stderr: true })).toString();
        if (logs.includes('serving')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = Date.now();
      await container.stop({ t: 30 });
      const ms = Date.now() - started;
      const state = (await container.inspect()).State;
      console.log(`docker stop returned after ${ms} ms; exit code ${state.ExitCode}`);
      expect(state.ExitCode).toBe(0); // 137 would mean SIGKILL after the timeout
      expect(state.OOMKilled).toBe(false);
    } finally {
      await container.remove({ force: true });
    }
  }, 120_000);
});
