/**
 * The published package, as a user gets it: `npm pack` (which bundles src/ into pkg/), then
 * `npm install -g --offline` of the tarball into a temporary prefix — offline, so a dependency
 * left to fetch fails here — and the installed `ecsctl` run as a user runs it: --version, --help,
 * `up --dry-run`, and one `up`/`down` against moto with the ECS stand-ins. A file missing from the
 * package's `files` fails this test, not a user's install. CI runs it on every supported Node.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, cliEnv, type CliOptions } from '../harness/cli.js';
import { FAST, IMAGE, startUpWorld, type UpWorld } from '../harness/standins.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

let dir: string;
let tarball: string;
let prefix: string;
let installMs: number;
let world: UpWorld | undefined;

/** The installed entry point, run by this Node (CI runs the file on each supported version). */
const installedBin = () => join(prefix, 'lib', 'node_modules', 'ecsctl', 'bin', 'ecsctl.js');
const ecsctl = (args: readonly string[], o: CliOptions) =>
  collect(spawn(process.execPath, [installedBin(), ...args], { cwd: o.cwd, env: cliEnv(o) }), o);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecsctl-e2e-package-'));
  // moto and the stand-ins start while npm packs and installs: on a loaded machine (CI runs two e2e
  // files at once on two cores) starting them inside the up/down case left it too little of its time.
  const starting = startUpWorld().then((w) => (world = w));
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--json', '--loglevel', 'error'], {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = join(dir, info!.filename);
  prefix = join(dir, 'prefix');
  const started = Date.now();
  await run('npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], {
    cwd: dir,
    env: { ...process.env, npm_config_cache: join(dir, 'npm-cache') }, // an empty cache: nothing to borrow
  });
  installMs = Date.now() - started;
  await starting;
}, 180_000);

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is at most 10 MB, declares no runtime dependencies and no install scripts', async () => {
    expect((await stat(tarball)).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as Record<string, Record<string, string> | undefined>;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.optionalDependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    for (const s of INSTALL_SCRIPTS) expect(manifest.scripts?.[s], s).toBeUndefined();
    expect(manifest.engines?.node).toMatch(/^>=20/);
  });

  it('installs offline with nothing beside it: no node_modules, no native module, no developer build', async () => {
    const installed = join(prefix, 'lib', 'node_modules', 'ecsctl');
    expect(await readdir(installed)).not.toContain('node_modules');
    expect(existsSync(join(installed, 'dist'))).toBe(false);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.split('\n').filter((f) => f.endsWith('.node'))).toEqual([]);
    expect(stdout).toContain('package/pkg/THIRD_PARTY_LICENSES');
    // Reported, not asserted: speed is the benchmark's business.
    process.stderr.write(`package: install took ${installMs} ms\n`);
  });
});

describe('the installed ecsctl', () => {
  const opts = (): CliOptions => ({ cwd: dir, env: FAST });

  it('answers --version through the command npm put on the PATH', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await run(join(prefix, 'bin', 'ecsctl'), ['--version'], {
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` },
    });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('prints --help with every command', async () => {
    const r = await ecsctl(['--help'], opts());
    expect(r.code).toBe(0);
    for (const c of ['up', 'down', 'status', 'image']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('prints the plan of up --dry-run without credentials', async () => {
    const r = await ecsctl(['up', '--dry-run', '--name', 'web', '--image', IMAGE], {
      ...opts(),
      env: { ...FAST, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('plan for stack web in us-east-1');
  });

  // dockerode, ssh2 and tar-fs are CommonJS inside an ES module bundle: what they expect of
  // CommonJS (require, __dirname) is only exercised when a build talks to an engine.
  it('builds an image on a real engine', { timeout: 300_000 }, async () => {
    const { startEngine } = await import('../harness/engine.js');
    const engine = await startEngine();
    try {
      const app = await mkdtemp(join(dir, 'app-'));
      await cp(join(ROOT, 'fixtures', 'app'), app, { recursive: true });
      await cp('/bin/busybox', join(app, 'busybox'));
      const o: CliOptions = {
        cwd: await mkdtemp(join(dir, 'image-')),
        endpoint: world!.moto.endpoint,
        env: { ...FAST, DOCKER_HOST: engine.dockerHost },
        timeoutMs: 240_000,
      };
      const repo = await ecsctl(['repo', 'create', '--name', 'pkgimg'], o);
      expect(repo.code, repo.stderr).toBe(0);
      const r = await ecsctl(['image', 'build', '--context', app, '--dockerfile', 'Dockerfile.scratch', '--json'], o);
      expect(r.code, r.stderr.slice(-1500)).toBe(0);
      const state = JSON.parse(await readFile(join(o.cwd, 'ecsctl.state.json'), 'utf8')) as { build?: { ref: string } };
      expect(state.build?.ref).toMatch(/pkgimg:/);
    } finally {
      await engine.stop();
    }
  });

  // Its own bound: up and down are two full runs of the installed CLI against moto (about 8 s on an
  // idle machine; the default 120 s per case was too little when the machine was loaded).
  it('brings a stack up on moto and takes it down again', { timeout: 300_000 }, async () => {
    const o: CliOptions = {
      cwd: await mkdtemp(join(dir, 'stack-')),
      endpoint: world!.moto.endpoint,
      env: FAST,
      timeoutMs: 140_000,
    };
    const up = await ecsctl(['up', '--name', 'pkg', '--image', IMAGE, '--desired-count', '10', '--json'], o);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr.split('\n').filter((l) => /^error/.test(l))).toEqual([]);
    expect(JSON.parse(up.stdout).url).toBe('http://pkg-lb-1.us-east-1.elb.amazonaws.com/');
    const down = await ecsctl(['down', '--yes', '--json'], o);
    expect(down.code, down.stderr).toBe(0);
    const state = JSON.parse(await readFile(join(o.cwd, 'ecsctl.state.json'), 'utf8')) as unknown;
    expect(state).toEqual({ version: 1, name: 'pkg', region: 'us-east-1' });
  });
});
