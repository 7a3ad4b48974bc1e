/**
 * The build context: which files go to the Engine, as `docker build` decides it. `.dockerignore`
 * is matched with @balena/dockerignore (a port of Docker's own matcher, `!` exceptions
 * included); the Dockerfile and `.dockerignore` are always sent, as the Docker CLI does.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { UsageError } from '../errors.js';

export interface BuildContext {
  /** Absolute path of the context directory. */
  readonly root: string;
  /** The Dockerfile's path inside the context, with forward slashes (the Engine's `dockerfile`). */
  readonly dockerfile: string;
  /** Every file and symlink admitted by .dockerignore, relative, forward slashes, sorted. */
  readonly admitted: readonly string[];
  /** What is sent: `admitted` plus the Dockerfile and .dockerignore if they were excluded. */
  readonly files: readonly string[];
}

/**
 * Checks the context and the Dockerfile (UsageError, exit 2, before anything else happens) and
 * lists the files to send. `dockerfile` is taken relative to the context; when no such file is
 * there, relative to the current directory — and it must lie inside the context either way.
 */
export async function readContext(
  contextDir: string,
  dockerfile: string | null = 'Dockerfile',
  cwd = process.cwd(),
): Promise<BuildContext> {
  const root = resolve(cwd, contextDir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--context ${JSON.stringify(contextDir)} is not a directory`);
  // null: no Dockerfile needed (push and run only need the tag); only the admitted files are listed.
  const rel = dockerfile === null ? undefined : await locateDockerfile(root, dockerfile, contextDir, cwd);
  const rules = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => '');
  const admitted = await walk(root, rules);
  const extra: string[] = [];
  for (const f of rel === undefined ? [] : [rel, '.dockerignore']) {
    if (!admitted.includes(f) && !extra.includes(f) && (await stat(join(root, f)).catch(() => undefined))?.isFile())
      extra.push(f);
  }
  return { root, dockerfile: rel ?? 'Dockerfile', admitted, files: [...admitted, ...extra].sort(compare) };
}

async function locateDockerfile(root: string, dockerfile: string, contextDir: string, cwd: string): Promise<string> {
  const candidates = isAbsolute(dockerfile) ? [dockerfile] : [resolve(root, dockerfile), resolve(cwd, dockerfile)];
  let found: string | undefined;
  for (const c of candidates) {
    if ((await stat(c).catch(() => undefined))?.isFile()) {
      found = c;
      break;
    }
  }
  // Quoted: main() drops a trailing period, which would turn the default context "." into nothing.
  if (!found)
    throw new UsageError(
      `--dockerfile ${JSON.stringify(dockerfile)}: no such file in context ${JSON.stringify(contextDir)}`,
    );
  const rel = relative(root, found);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new UsageError(
      `--dockerfile ${JSON.stringify(dockerfile)} is outside the context ${JSON.stringify(contextDir)}`,
      { hint: 'Move it into the context or pass a --context that contains it.' },
    );
  }
  return toPosix(rel);
}

/** Files admitted by the rules, depth first; directories are pruned only when no `!` rule could re-admit something inside. */
async function walk(root: string, rules: string): Promise<string[]> {
  // A CommonJS module whose typings declare an ES default: `.default` is the factory in both worlds.
  const ig = dockerignore.default().add(rules.split(/\r?\n/));
  const hasExceptions = rules.split(/\r?\n/).some((l) => l.trim().startsWith('!'));
  const out: string[] = [];
  const visit = async (dir: string) => {
    const entries = await readdir(join(root, dir), { withFileTypes: true });
    for (const entry of entries) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (hasExceptions || !ig.ignores(path)) await visit(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !ig.ignores(path)) {
        out.push(path);
      }
    }
  };
  await visit('');
  return out.sort(compare);
}

/** A tar stream of exactly `context.files` (directories are created by the Engine as needed). */
export async function packContext(context: BuildContext): Promise<NodeJS.ReadableStream> {
  // tar-fs is CommonJS: its module.exports is the default export both under Node's own loader
  // (dist/) and in the bundle (pkg/), where esbuild does not lift `exports.pack` to a named export.
  const tar = (await import('tar-fs')).default;
  // Only the listed entries: the .dockerignore decision was made once, in readContext.
  return tar.pack(context.root, {
    entries: [...context.files],
    dereference: false,
  }) as unknown as NodeJS.ReadableStream;
}

/**
 * sha256 over the admitted files' paths, kinds, executable bits and contents (symlinks: their
 * targets), in sorted order: the same context always gives the same digest, whatever the
 * machine, the mtimes or the owner.
 */
export async function contentDigest(context: Pick<BuildContext, 'root' | 'admitted'>): Promise<string> {
  const hash = createHash('sha256');
  for (const file of context.admitted) {
    const full = join(context.root, ...file.split('/'));
    const info = await lstat(full);
    if (info.isSymbolicLink()) {
      hash.update(`L\0${file}\0${await readlink(full)}\0`);
      continue;
    }
    hash.update(`F\0${file}\0${info.mode & 0o111 ? 'x' : '-'}\0${info.size}\0`);
    for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

const toPosix = (p: string) => p.split(sep).join('/');
/** Byte order, not locale order: the digest must not depend on the machine's language. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
