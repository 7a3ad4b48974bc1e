/**
 * The build context and the default tag: .dockerignore honoured (exceptions included), the
 * Dockerfile always sent, the tar holding exactly the listed files, and a tag that depends on
 * what is sent and nothing else (git commit when clean, content digest otherwise).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentDigest, packContext, readContext } from '../../../src/docker/context.js';
import { defaultTag } from '../../../src/docker/tag.js';
import { UsageError } from '../../../src/errors.js';

let dir: string;

async function files(spec: Record<string, string>) {
  for (const [path, content] of Object.entries(spec)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function unpack(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out = await mkdtemp(join(tmpdir(), 'ecsctl-unpack-'));
  const tar = await import('tar-fs');
  await new Promise<void>((resolve, reject) => {
    const sink = tar.extract(out);
    sink.on('finish', () => resolve());
    sink.on('error', reject);
    stream.pipe(sink as unknown as NodeJS.WritableStream);
  });
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else found.push(relative(out, join(d, e.name)));
    }
  };
  await walk(out);
  return found.sort();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecsctl-ctx-'));
});

describe('readContext and packContext', () => {
  it('honours .dockerignore with exceptions, and always sends the Dockerfile and .dockerignore', async () => {
    await files({
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '*.md\nnode_modules\nlogs/*\n!logs/keep.log\nDockerfile\n.dockerignore\n',
      'README.md': 'docs',
      'app.js': 'x',
      'src/a.js': 'a',
      'src/notes.md': 'nested md is not matched by *.md',
      'node_modules/dep/index.js': 'dep',
      'logs/a.log': 'a',
      'logs/keep.log': 'k',
    });
    const ctx = await readContext(dir, 'Dockerfile');
    expect(ctx.admitted).toEqual(['app.js', 'logs/keep.log', 'src/a.js', 'src/notes.md']);
    expect(ctx.files).toEqual(['.dockerignore', 'Dockerfile', 'app.js', 'logs/keep.log', 'src/a.js', 'src/notes.md']);
    expect(await unpack(await packContext(ctx))).toEqual(ctx.files);
  });

  it('finds the Dockerfile relative to the context, then to the current directory, never outside the context', async () => {
    await files({ 'app/Dockerfile.scratch': 'FROM scratch\n', 'app/x': 'x', 'Dockerfile.outside': 'FROM scratch\n' });
    expect((await readContext('app', 'Dockerfile.scratch', dir)).dockerfile).toBe('Dockerfile.scratch');
    expect((await readContext('app', 'app/Dockerfile.scratch', dir)).dockerfile).toBe('Dockerfile.scratch');
    await expect(readContext('app', 'Dockerfile.outside', dir)).rejects.toThrow(/outside the context/);
    await expect(readContext('app', 'Nope', dir)).rejects.toThrow(UsageError);
    await expect(readContext('missing', 'Dockerfile', dir)).rejects.toThrow(/--context "missing" is not a directory/);
    // push and run only need the tag: no Dockerfile required then.
    expect((await readContext('app', null, dir)).admitted).toEqual(['Dockerfile.scratch', 'x']);
  });
});

describe('default tag', () => {
  it('ctx-<12 hex>: same content → same tag, whatever the mtimes; any sent byte or exec bit changes it; ignored files do not', async () => {
    await files({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'tmp\n', 'a.sh': 'echo hi\n', tmp: 'scratch' });
    const tag = async () => (await defaultTag(await readContext(dir))).tag;
    const first = await tag();
    expect(first).toMatch(/^ctx-[0-9a-f]{12}$/);
    await utimes(join(dir, 'a.sh'), new Date(0), new Date(0));
    await writeFile(join(dir, 'tmp'), 'changed but ignored');
    expect(await tag()).toBe(first);
    await chmod(join(dir, 'a.sh'), 0o755);
    const executable = await tag();
    expect(executable).not.toBe(first);
    await writeFile(join(dir, 'a.sh'), 'echo bye\n');
    expect(await tag()).not.toBe(executable);
    // A copy elsewhere gives the same tag: only relative paths and contents count.
    const digest = await contentDigest(await readContext(dir));
    const other = dir;
    dir = await mkdtemp(join(tmpdir(), 'ecsctl-ctx-'));
    await files({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'tmp\n', 'a.sh': 'echo bye\n' });
    await chmod(join(dir, 'a.sh'), 0o755);
    expect(await contentDigest(await readContext(dir))).toBe(digest);
    expect(other).not.toBe(dir);
  });

  it('git-<12 hex> of the last commit touching a clean context; the content rule once a sent file is dirty', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.email=t@e', '-c', 'user.name=t', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    await files({
      'app/Dockerfile': 'FROM scratch\n',
      'app/.dockerignore': 'build.log\n',
      'app/start.sh': 'x',
      '.gitignore': 'app/build.log\napp/dist/\n',
      'other.txt': '1',
    });
    git('add', '.');
    git('commit', '-qm', 'app');
    const appCommit = git('rev-parse', 'HEAD');
    await writeFile(join(dir, 'other.txt'), '2');
    git('commit', '-qam', 'elsewhere');
    const tag = async () => (await defaultTag(await readContext(join(dir, 'app')))).tag;

    expect(await tag()).toBe(`git-${appCommit.slice(0, 12)}`); // a commit outside the context changes nothing
    await writeFile(join(dir, 'app', 'build.log'), 'git-ignored and dockerignored: not sent');
    expect(await tag()).toBe(`git-${appCommit.slice(0, 12)}`);
    await files({ 'app/dist/bundle.js': 'git-ignored but sent' });
    expect(await tag()).toMatch(/^ctx-/);
    git('-C', join(dir, 'app'), 'clean', '-qfdX');
    expect(await tag()).toBe(`git-${appCommit.slice(0, 12)}`);
    await writeFile(join(dir, 'app', 'start.sh'), 'modified');
    expect(await tag()).toMatch(/^ctx-/);
  });

  it('uses the content rule outside git', async () => {
    await files({ Dockerfile: 'FROM scratch\n' });
    expect((await defaultTag(await readContext(dir))).rule).toBe('content');
  });
});
