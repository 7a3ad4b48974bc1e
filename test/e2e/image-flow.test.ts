/**
 * What `image build` made flows through the state — against a REAL Docker engine and registry v2
 * (scripts/engine-up.sh), moto for AWS and the agent/scheduler stand-ins for ECS:
 *
 * - step by step with no tag or context repeated: build → plain push → plain run → taskdef
 *   register → service create, and the pre-deploy check refusing an arm64 image for t3.small;
 * - `up --instance-type t4g.small` builds for linux/arm64 (this machine is amd64) and the
 *   registry's own image config says arm64; the default type gives amd64; a plain `up` rerun
 *   takes the remembered context and changes nothing;
 * - a --platform the instances cannot run exits 2 before any AWS call;
 * - a state written before builds were recorded still loads and pushes.
 *
 * The arm64 image is built from a context with no executable (text files only, no RUN): its
 * content is right for any platform, so the classic builder makes it on an amd64 engine without
 * emulation, and nothing claims to be an arm64 program that is not. (fixtures/app's
 * Dockerfile.scratch copies the machine's own busybox, an amd64 binary here: building that for
 * arm64 would label an amd64 program arm64.)
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { runCli, type CliOptions, type CliResult } from '../harness/cli.js';
import { startEngine, type EngineEnv } from '../harness/engine.js';
import { freePort } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { FAST, startUpWorld, type UpWorld } from '../harness/standins.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/app/', import.meta.url));
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

let world: UpWorld;
let engine: EngineEnv;
let proxy: Proxy;
let aws: VerifyClients;
let opts: CliOptions;
let appDir: string;
let textDir: string;

const cli = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  runCli(args, { ...opts, env: { ...opts.env, ...env } });
const stateOf = async (file: string) => JSON.parse(await readFile(join(opts.cwd, file), 'utf8'));

/** The registry's own answer (basic auth), not ecsctl's: the config of `repo:tag`. */
async function registryConfig(repo: string, tag: string): Promise<{ architecture: string; os: string }> {
  const auth = `Basic ${Buffer.from(`${engine.registryUser}:${engine.registryPassword}`).toString('base64')}`;
  const base = `http://${engine.registryAddr}/v2/${repo}`;
  const manifest = (await (
    await fetch(`${base}/manifests/${tag}`, {
      headers: { Authorization: auth, Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    })
  ).json()) as { config: { digest: string } };
  return (await (
    await fetch(`${base}/blobs/${manifest.config.digest}`, { headers: { Authorization: auth } })
  ).json()) as {
    architecture: string;
    os: string;
  };
}

beforeAll(async () => {
  const [w, e] = await Promise.allSettled([
    startUpWorld().then((x) => (world = x)),
    startEngine().then((x) => (engine = x)),
  ]);
  for (const r of [w, e]) if (r.status === 'rejected') throw r.reason;
  proxy = await startProxy(world.moto.endpoint, () => ({ kind: 'pass' }));
  aws = verifyClients(world.moto.endpoint);
  const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-flow-'));
  appDir = join(cwd, 'app');
  await cp(FIXTURE, appDir, { recursive: true });
  await cp('/bin/busybox', join(appDir, 'busybox'));
  textDir = join(cwd, 'text');
  await mkdir(textDir);
  await writeFile(join(textDir, 'hello.txt'), 'hello from any platform\n');
  await writeFile(join(textDir, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /www/hello.txt\nCMD ["/bin/true"]\n');
  opts = { cwd, endpoint: proxy.endpoint, env: { ...FAST, DOCKER_HOST: engine.dockerHost } };
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.allSettled([world?.stop(), engine?.stop()]);
}, 120_000);

describe('the image flows through the state', () => {
  it('build → plain push → plain run, with nothing repeated; a record whose image is gone says to build again', async () => {
    expect((await cli(['repo', 'create', '--name', 'steps'])).code).toBe(0);
    const built = await cli([
      'image',
      'build',
      '--context',
      appDir,
      '--dockerfile',
      'Dockerfile.scratch',
      '--tag',
      'v0.1',
    ]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toBe(
      `built ${ECR}/steps:v0.1 for linux/amd64 (for t3.small, the default instance type; tag from --tag, 5 files, ${/, ([\d.]+)s\)/.exec(built.stdout)![1]}s)\n`,
    );
    expect((await stateOf('ecsctl.state.json')).build).toMatchObject({
      ref: `${ECR}/steps:v0.1`,
      tag: 'v0.1',
      imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      platform: 'linux/amd64',
      context: appDir,
      dockerfile: 'Dockerfile.scratch',
    });

    // From another directory, with no --tag and no --context: what was built is pushed.
    const pushed = await runCli(
      ['image', 'push', '--registry', engine.registryAddr, '--json', '--state', join(opts.cwd, 'ecsctl.state.json')],
      {
        ...opts,
        cwd: tmpdir(),
      },
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ outcome: 'pushed', tag: 'v0.1', platform: 'linux/amd64' });
    expect(await registryConfig('steps', 'v0.1')).toMatchObject({ architecture: 'amd64', os: 'linux' });

    const port = await freePort();
    const ran = await cli(['image', 'run', '--network', 'host', '--port', String(port)]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe(hostname());

    await new Docker({ socketPath: engine.dockerHost!.replace('unix://', '') })
      .getImage(`${ECR}/steps:v0.1`)
      .remove({ force: true });
    const gone = await cli(['image', 'push', '--registry', engine.registryAddr]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(
      new RegExp(
        `^error: the image \`image build\` recorded, ${ECR}/steps:v0\\.1, is no longer in the Docker engine at unix://.*\\. Build it again: ecsctl image build --context ${appDir} --dockerfile Dockerfile\\.scratch\\n$`,
      ),
    );
  });

  it('up --instance-type t4g.small builds and pushes linux/arm64 on this amd64 machine; the default type gives amd64', async () => {
    const arm = await cli([
      'up',
      '--name',
      'arm',
      '--state',
      'arm.state.json',
      '--instance-type',
      't4g.small',
      '--context',
      textDir,
      '--registry',
      engine.registryAddr,
    ]);
    expect(arm.code, arm.stderr.slice(-3000)).toBe(0);
    // The progress line says which platform and why.
    expect(arm.stderr).toMatch(
      /✓ docker build linux\/arm64 +done .* built ctx-[0-9a-f]{12} for linux\/arm64 \(for t4g\.small, 2 files\)/,
    );
    const st = await stateOf('arm.state.json');
    expect(st.build).toMatchObject({ platform: 'linux/arm64', context: textDir, dockerfile: 'Dockerfile' });
    expect(st.instances.type).toBe('t4g.small');
    // The pre-deploy check read the pushed image back from the registry.
    expect(st.image.platform).toBe('linux/arm64');
    expect(await registryConfig('arm', st.build.tag)).toMatchObject({ architecture: 'arm64', os: 'linux' });

    // No flags but the registry: the remembered context, the recorded t4g.small — nothing changes.
    await expectRerunChangesNothing(
      ['up', '--state', 'arm.state.json', '--registry', engine.registryAddr],
      opts,
      proxy,
      aws,
    );

    const amd = await cli([
      'up',
      '--name',
      'amd',
      '--state',
      'amd.state.json',
      '--instance-count',
      '1',
      '--desired-count',
      '1',
      '--context',
      textDir,
      '--registry',
      engine.registryAddr,
      '--no-wait',
    ]);
    expect(amd.code, amd.stderr.slice(-3000)).toBe(0);
    const tag = (await stateOf('amd.state.json')).build.tag;
    expect(await registryConfig('amd', tag)).toMatchObject({ architecture: 'amd64', os: 'linux' });
  });

  it('refuses a --platform the instances cannot run (exit 2) before any AWS call', async () => {
    const from = proxy.calls.length;
    const up = await cli([
      'up',
      '--name',
      'bad',
      '--state',
      'bad.state.json',
      '--instance-type',
      't4g.small',
      '--platform',
      'linux/amd64',
      '--context',
      textDir,
    ]);
    expect(up.code).toBe(2);
    expect(up.stderr).toBe(
      'error: --platform linux/amd64 does not match the instances: t4g.small is arm64 (linux/arm64), so every task would fail with "exec format error". Leave --platform out (linux/arm64 is chosen for t4g.small), or choose an instance type that runs linux/amd64\n',
    );
    // The recorded instances decide for `image build` and a plain `up` alike.
    const build = await cli([
      'image',
      'build',
      '--state',
      'arm.state.json',
      '--context',
      textDir,
      '--platform',
      'linux/amd64',
    ]);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/^error: --platform linux\/amd64 does not match the instances: t4g\.small is arm64/);
    const dry = await cli(['up', '--state', 'arm.state.json', '--platform', 'linux/amd64', '--dry-run']);
    expect(dry.code).toBe(2);
    expect(proxy.calls.slice(from)).toEqual([]);
  });

  it('a state written before builds were recorded still loads and pushes the tag given', async () => {
    const old = await stateOf('ecsctl.state.json');
    delete old.build;
    delete old.image.platform;
    await writeFile(join(opts.cwd, 'old.state.json'), JSON.stringify(old));
    expect(
      (await cli(['image', 'build', '--state', 'scratch.json', '--name', 'nope', '--context', textDir])).code,
    ).toBe(2); // no repo
    const rebuilt = await cli(['image', 'build', '--state', 'old.state.json', '--context', textDir, '--tag', 'v0.2']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const pushed = await cli([
      'image',
      'push',
      '--state',
      'old.state.json',
      '--tag',
      'v0.2',
      '--registry',
      engine.registryAddr,
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/^pushed: /);
  });

  it("says what a newcomer got wrong: a DOCKER_HOST without scheme, a missing COPY source, an emulator's ECR host", async () => {
    const noScheme = await cli(['image', 'build', '--context', textDir], {
      DOCKER_HOST: engine.dockerHost!.replace('unix://', ''),
    });
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toBe(
      `error: DOCKER_HOST "${engine.dockerHost!.replace('unix://', '')}" has no scheme (unix://, tcp://, npipe:// or ssh://); did you mean ${engine.dockerHost}?. export DOCKER_HOST=${engine.dockerHost}, or unset DOCKER_HOST to use the default socket\n`,
    );

    await writeFile(join(textDir, 'Dockerfile.broken'), 'FROM scratch\nCOPY site/index.html /www/index.html\n');
    const broken = await cli(['image', 'build', '--context', textDir, '--dockerfile', 'Dockerfile.broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: build of Dockerfile.broken failed: COPY failed: file not found in build context or excluded by .dockerignore: stat site/index.html: file does not exist. site/index.html is not in the context ${textDir}: COPY sources are paths inside the context directory (--context), not next to the Dockerfile`,
    ]);

    const from = proxy.calls.length;
    const toEcr = await cli(['image', 'push']);
    expect(toEcr.code).toBe(2);
    expect(toEcr.stderr).toContain(`error: cannot push to ${ECR}: --endpoint-url sends AWS calls to ${proxy.endpoint}`);
    expect(toEcr.stderr).toContain("Push to the emulator's registry with --registry HOST:PORT");
    expect(proxy.calls.slice(from)).toEqual([]);
  });

  it('service create refuses an arm64 image for t3.small instances in one line, then runs the amd64 build', async () => {
    const state = ['--state', 'svc.state.json'];
    for (const args of [
      ['repo', 'create', '--name', 'svc'],
      ['cluster', 'create'],
      ['instances', 'create', '--count', '1', '--type', 't3.small'],
    ]) {
      const r = await cli([...args, ...state]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // An arm64 image under this stack's name (as a laptop with Apple silicon would have built it).
    const armTag = (await stateOf('arm.state.json')).build.tag;
    await new Docker({ socketPath: engine.dockerHost!.replace('unix://', '') })
      .getImage(`${ECR}/arm:${armTag}`)
      .tag({ repo: `${ECR}/svc`, tag: 'from-a-mac' });
    expect(
      (await cli(['image', 'push', '--tag', 'from-a-mac', '--registry', engine.registryAddr, ...state])).code,
    ).toBe(0);
    expect((await cli(['taskdef', 'register', '--memory', '64', ...state])).code).toBe(0);
    const from = proxy.calls.length;
    const refused = await cli(['service', 'create', '--no-lb', '--desired-count', '1', '--no-wait', ...state]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: ${ECR}/svc:from-a-mac is linux/arm64, but the instances \\(t3\\.small\\) are x86_64: every task would fail with "exec format error"\\. Build it for linux/amd64`,
        ),
      ),
    ]);
    expect(proxy.calls.slice(from).map((c) => c.operation)).not.toContain('CreateService');

    // The newcomer's path, nothing repeated: build (amd64 for the recorded t3.small) → push → register → create.
    for (const args of [
      ['image', 'build', '--context', textDir],
      ['image', 'push', '--registry', engine.registryAddr],
      ['taskdef', 'register', '--memory', '64'],
      ['service', 'create', '--no-lb', '--desired-count', '1', '--no-wait'],
    ]) {
      const r = await cli([...args, ...state]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const st = await stateOf('svc.state.json');
    expect(st.image).toMatchObject({ tag: st.build.tag, platform: 'linux/amd64' });
    const svc = (await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: ['svc'] }))).services![0]!;
    expect(svc.taskDefinition).toBe(st.taskDefinition.arn);
  });
});
