/**
 * image end to end, against a REAL Docker engine and a REAL registry v2 (scripts/engine-up.sh)
 * plus moto for ECR: repo create → image build (FROM scratch + static busybox) → image push
 * --registry → the registry's own API lists the tag → a second push is skipped → image run
 * answers its hostname. Failures are real ones: a COPY of a missing file, a registry that refuses
 * the password, no engine at all. Nothing here is skipped: without an engine the suite fails.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutImageCommand } from '@aws-sdk/client-ecr';
import { runCli, type CliOptions, type CliResult } from '../harness/cli.js';
import { startEngine, type EngineEnv } from '../harness/engine.js';
import { freePort, startMoto, type Moto } from '../harness/moto.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/app/', import.meta.url));
/** What moto's GetAuthorizationToken decodes to: the secrets that must never be printed or stored. */
const PASSWORD = '123456789012-auth-token';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');

let moto: Moto;
let engine: EngineEnv;
let wrongRegistry: EngineEnv;
let aws: VerifyClients;
let opts: CliOptions;
let ctxDir: string;
const outputs: CliResult[] = [];
const timings: Record<string, number> = {};

async function cli(args: string[], env: Record<string, string | undefined> = {}, label?: string): Promise<CliResult> {
  const started = performance.now();
  const result = await runCli(args, { ...opts, env: { ...opts.env, ...env } });
  if (label) timings[label] = Math.round(performance.now() - started);
  outputs.push(result);
  return result;
}
const registryGet = (path: string, init: RequestInit = {}) =>
  fetch(`http://${engine.registryAddr}${path}`, {
    ...init,
    headers: {
      Authorization: `Basic ${Buffer.from(`${engine.registryUser}:${engine.registryPassword}`).toString('base64')}`,
      ...init.headers,
    },
  });

beforeAll(async () => {
  // Started together; each one that came up is kept so afterAll stops it even if another failed.
  const [m, e, w] = await Promise.allSettled([
    startMoto().then((x) => (moto = x)),
    startEngine().then((x) => (engine = x)),
    startEngine({ registryOnly: true, registryPassword: 'not-what-ecr-issues' }).then((x) => (wrongRegistry = x)),
  ]);
  for (const r of [m, e, w]) if (r.status === 'rejected') throw r.reason;
  aws = verifyClients(moto.endpoint);
  const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-image-'));
  // The fixture as a user has it, plus the static busybox Dockerfile.scratch copies (no pulls here).
  ctxDir = join(cwd, 'app');
  await cp(FIXTURE, ctxDir, { recursive: true });
  await cp('/bin/busybox', join(ctxDir, 'busybox'));
  opts = { cwd, endpoint: moto.endpoint, env: { DOCKER_HOST: engine.dockerHost } };
}, 600_000);

afterAll(async () => {
  console.log(`image e2e timings (ms, whole CLI process): ${JSON.stringify(timings)}`);
  await Promise.allSettled([moto?.stop(), engine?.stop(), wrongRegistry?.stop()]);
}, 120_000);

describe('image build, push, run against a real engine and registry', () => {
  it('refuses to build before `repo create` (exit 2, names the command)', async () => {
    const state = join(opts.cwd, 'no-repo.state.json');
    await writeFile(state, JSON.stringify({ version: 1, name: 'other', region: 'us-east-1' }));
    const r = await cli([
      'image',
      'build',
      '--context',
      ctxDir,
      '--dockerfile',
      'Dockerfile.scratch',
      '--state',
      state,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ECR repository recorded.*ecsctl repo create/);
  });

  it('builds, pushes, lists in the registry, skips a second push, and runs', async () => {
    expect((await cli(['repo', 'create', '--name', 'web'])).code).toBe(0);

    const built = await cli(
      ['image', 'build', '--context', ctxDir, '--dockerfile', 'Dockerfile.scratch', '--json'],
      {},
      'build',
    );
    expect(built.code, built.stderr).toBe(0);
    const b = JSON.parse(built.stdout);
    expect(b.tag).toMatch(/^ctx-[0-9a-f]{12}$/); // a copied fixture is not a git checkout
    expect(b.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/web:${b.tag}`);
    expect(built.stderr).toMatch(/Step 2\/\d+ : COPY busybox \/bin\/busybox/);
    timings['build-step'] = Math.round(b.seconds * 1000);

    const pushed = await cli(
      ['image', 'push', '--context', ctxDir, '--registry', engine.registryAddr, '--json'],
      {},
      'push-first',
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    const p = JSON.parse(pushed.stdout);
    expect(p).toMatchObject({ outcome: 'pushed', tag: b.tag, pushedTo: `${engine.registryAddr}/web:${b.tag}` });
    expect(pushed.stderr).toMatch(/layers?: .*pushed/);
    timings['push-first-step'] = Math.round(p.seconds * 1000);

    // The registry itself, not ecsctl, says what it holds.
    const tags = await (await registryGet('/v2/web/tags/list')).json();
    expect(tags).toEqual({ name: 'web', tags: [b.tag] });
    const head = await registryGet(`/v2/web/manifests/${b.tag}`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(p.digest);
    expect((await fetch(`http://${engine.registryAddr}/v2/web/tags/list`)).status).toBe(401);

    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    expect(state.image).toEqual({ uri: b.image, tag: b.tag, digest: p.digest, registry: engine.registryAddr });

    const again = await cli(
      ['image', 'push', '--context', ctxDir, '--registry', engine.registryAddr, '--verbose'],
      {},
      'push-second',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^already pushed: /);
    expect(again.stderr).not.toMatch(/… push/); // no upload step at all

    // ECSCTL_REGISTRY does what --registry does.
    const viaEnv = await cli(['image', 'push', '--context', ctxDir, '--json'], {
      ECSCTL_REGISTRY: engine.registryAddr,
    });
    const skipped = JSON.parse(viaEnv.stdout);
    expect(skipped).toMatchObject({ outcome: 'already pushed', digest: p.digest });
    timings['push-second-step'] = Math.round(skipped.seconds * 1000);

    const port = await freePort();
    const ran = await cli(
      ['image', 'run', '--context', ctxDir, '--network', 'host', '--port', String(port), '--path', '/info'],
      {},
      'run',
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe(hostname()); // host network: the container has the machine's hostname
    const root = await cli(['image', 'run', '--context', ctxDir, '--port', String(port), '--path', '/', '--json']);
    expect(JSON.parse(root.stdout)).toMatchObject({ network: 'host', status: 200, body: `${hostname()}\n` }); // no bridge here → host
  });

  it("lists the repository's images from ECR", async () => {
    // moto has no registry API; give its ECR the manifest the real registry holds.
    const manifest = await (
      await registryGet(`/v2/web/manifests/${await tagOf()}`, {
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      })
    ).text();
    await aws.ecr.send(
      new PutImageCommand({ repositoryName: 'web', imageManifest: manifest, imageTag: await tagOf() }),
    );
    const listed = await cli(['image', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tags: [await tagOf()], digest: expect.stringMatching(/^sha256:/) });
    expect((await cli(['image', 'list'])).stdout).toContain(await tagOf());
  });

  it("fails a build whose COPY source is missing with the builder's own text (exit 1)", async () => {
    await writeFile(join(ctxDir, 'Dockerfile.broken'), 'FROM scratch\nCOPY missing.txt /missing.txt\n');
    const r = await cli([
      'image',
      'build',
      '--context',
      ctxDir,
      '--dockerfile',
      'Dockerfile.broken',
      '--tag',
      'broken',
    ]);
    expect(r.code).toBe(1);
    const error = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(error).toEqual([
      expect.stringContaining(
        'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
      ),
    ]);
  });

  it('fails a push the registry refuses with `unauthorized` (exit 1)', async () => {
    const r = await cli([
      'image',
      'push',
      '--tag',
      await tagOf(),
      '--registry',
      wrongRegistry.registryAddr,
      '--verbose',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: push .* failed: unauthorized: authentication required/m);
    const tags = await fetch(`http://${wrongRegistry.registryAddr}/v2/web/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${wrongRegistry.registryPassword}`).toString('base64')}` },
    });
    expect(tags.status).toBe(404); // nothing arrived
  });

  it('says in one line that no engine is reachable (exit 1)', async () => {
    const r = await cli(['image', 'build', '--context', ctxDir, '--dockerfile', 'Dockerfile.scratch'], {
      DOCKER_HOST: 'unix:///nonexistent',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: no Docker engine reachable at unix:///nonexistent (ENOENT). Start Docker, or set DOCKER_HOST to a running engine (e.g. unix:///var/run/docker.sock); for this project's tests: bash scripts/engine-up.sh\n",
    );
  });

  it('never prints or stores the ECR password or token', async () => {
    expect(outputs.length).toBeGreaterThan(8);
    for (const o of outputs) {
      for (const secret of [PASSWORD, TOKEN]) {
        expect(o.stdout).not.toContain(secret);
        expect(o.stderr).not.toContain(secret);
      }
    }
    const state = await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8');
    expect(state).not.toContain(PASSWORD);
    expect(state).not.toContain(TOKEN);
  });
});

async function tagOf(): Promise<string> {
  return JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8')).image.tag;
}
