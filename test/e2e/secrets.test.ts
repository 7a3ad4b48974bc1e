/**
 * Secrets across a whole stack's life with a real image push: `up --verbose` builds the fixture on
 * a real engine and pushes it to a real registry whose password is moto's ECR token, then
 * `down --yes --verbose`. Neither the ECR token, its decoded password nor the AWS secret key may
 * appear in stdout, stderr, the state file or any other file in the working directory; the state
 * file is mode 0600. A pass-through proxy proves the token was really fetched.
 */
import { cp, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, SECRET_ACCESS_KEY, type CliOptions } from '../harness/cli.js';
import { startEngine, type EngineEnv } from '../harness/engine.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { verifyClients } from '../harness/aws.js';
import { COMPLETE_STACK, counts, EMPTY, inventory } from '../harness/inventory.js';
import { FAST, startUpWorld, type UpWorld } from '../harness/standins.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/app/', import.meta.url));
const PASSWORD = '123456789012-auth-token';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
const SECRETS = { 'ECR token': TOKEN, 'ECR password': PASSWORD, 'AWS secret key': SECRET_ACCESS_KEY };

let world: UpWorld;
let engine: EngineEnv;
let proxy: Proxy;
let opts: CliOptions;
const outputs: string[] = [];

beforeAll(async () => {
  const [w, e] = await Promise.allSettled([
    startUpWorld().then((x) => (world = x)),
    startEngine().then((x) => (engine = x)),
  ]);
  for (const r of [w, e]) if (r.status === 'rejected') throw r.reason;
  proxy = await startProxy(world.moto.endpoint);
  const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-rel-secrets-'));
  await cp(FIXTURE, join(cwd, 'app'), { recursive: true });
  await cp('/bin/busybox', join(cwd, 'app', 'busybox'));
  opts = { cwd, endpoint: proxy.endpoint, env: { ...FAST, DOCKER_HOST: engine.dockerHost }, timeoutMs: 400_000 };
}, 600_000);
afterAll(async () => {
  await proxy?.close();
  await Promise.allSettled([world?.stop(), engine?.stop()]);
}, 120_000);

function expectNoSecret(text: string, where: string) {
  for (const [what, secret] of Object.entries(SECRETS))
    expect(text.includes(secret), `${what} in ${where}`).toBe(false);
}

describe('secrets across up (with a push) and down', () => {
  it('up --verbose builds, pushes with the ECR token and brings the stack up', async () => {
    const up = await runCli(
      [
        'up',
        '--name',
        'web',
        '--context',
        'app',
        '--dockerfile',
        'Dockerfile.scratch',
        '--registry',
        engine.registryAddr,
        '--verbose',
      ],
      opts,
    );
    outputs.push(up.stdout, up.stderr);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    expect(proxy.calls.some((c) => c.operation === 'GetAuthorizationToken')).toBe(true);
    expect(up.stderr).toMatch(/GetAuthorizationToken/); // --verbose logged the call, not its answer
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    expect(state.image.digest).toMatch(/^sha256:/);
    expect(counts(await inventory(verifyClients(world.moto.endpoint)))).toEqual(COMPLETE_STACK);
  }, 400_000);

  it('down --yes --verbose deletes it all', async () => {
    const down = await runCli(['down', '--yes', '--verbose'], opts);
    outputs.push(down.stdout, down.stderr);
    expect(down.code, down.stderr.slice(-3000)).toBe(0);
    expect(counts(await inventory(verifyClients(world.moto.endpoint)))).toEqual(EMPTY);
  }, 200_000);

  it('no secret in any output or any file under the working directory; the state file is 0600', async () => {
    expect(outputs.join('').length).toBeGreaterThan(1000);
    outputs.forEach((o, i) => expectNoSecret(o, `output ${i}`));
    let files = 0;
    for (const e of await readdir(opts.cwd, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      files += 1;
      const path = join(e.parentPath, e.name);
      expectNoSecret((await readFile(path)).toString('latin1'), path);
    }
    expect(files).toBeGreaterThan(1);
    expect((await stat(join(opts.cwd, 'ecsctl.state.json'))).mode & 0o777).toBe(0o600);
  });
});
