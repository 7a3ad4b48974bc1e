/**
 * The default image tag — reproducible, never `latest`:
 *
 *   git-<12 hex>  the last commit that touched the context directory, when the context is inside
 *                 a git work tree and every file sent to the build is committed and unmodified
 *                 (no untracked, ignored-but-sent or changed file);
 *   ctx-<12 hex>  otherwise: the first 12 hex digits of the sha256 over the sent files' paths,
 *                 executable bits and contents (see contentDigest).
 *
 * The same context gives the same tag on every machine, so `image push` and `image run` find
 * what `image build` built without being told the tag.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { contentDigest, type BuildContext } from './context.js';

const run = promisify(execFile);

export interface TagChoice {
  readonly tag: string;
  /** How it was chosen: the --tag flag, the git commit, or the content digest. */
  readonly rule: 'flag' | 'git' | 'content';
}

export async function defaultTag(context: Pick<BuildContext, 'root' | 'admitted'>): Promise<TagChoice> {
  const commit = await cleanCommit(context);
  if (commit) return { tag: `git-${commit.slice(0, 12)}`, rule: 'git' };
  return { tag: `ctx-${(await contentDigest(context)).slice(0, 12)}`, rule: 'content' };
}

/**
 * The last commit touching the context, or undefined when git is missing, the context is not
 * in a work tree, the tree has no commit yet, or any file that would be sent differs from it.
 */
async function cleanCommit(context: Pick<BuildContext, 'root' | 'admitted'>): Promise<string | undefined> {
  const git = (...args: string[]) =>
    run('git', ['-C', context.root, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    if ((await git('rev-parse', '--is-inside-work-tree')).stdout.trim() !== 'true') return undefined;
    // Paths relative to the context (`--relative` of porcelain v1 needs this prefix trick).
    const prefix = (await git('rev-parse', '--show-prefix')).stdout.trim();
    const status = await git(
      'status',
      '--porcelain=v1',
      '-z',
      '--ignored=matching',
      '--untracked-files=all',
      '--',
      '.',
    );
    const sent = new Set(context.admitted);
    const isSent = (local: string) =>
      sent.has(local) || (local.endsWith('/') && context.admitted.some((f) => f.startsWith(local)));
    const records = status.stdout.split('\0');
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.length < 4) continue;
      const xy = record.slice(0, 2);
      const path = record.slice(3);
      const local = path.startsWith(prefix) ? path.slice(prefix.length) : path;
      if (/[RC]/.test(xy)) i++; // -z puts a rename's old path in the next record
      // Untracked or ignored files matter only if they would be sent; an ignored directory is
      // reported as "dir/". A tracked change matters if the file is sent, or was deleted or moved
      // (the commit has it, the context does not).
      const dirty = xy === '??' || xy === '!!' ? isSent(local) : isSent(local) || /[DRC]/.test(xy);
      if (dirty) return undefined;
    }
    const commit = (await git('log', '-1', '--format=%H', '--', '.')).stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined; // no git, not a repository, no commits: the content rule applies
  }
}
