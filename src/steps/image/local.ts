/**
 * Which local image `image push` and `image run` act on: the --tag given (or the tag an explicit
 * --context computes to), else what `image build` recorded in the state, else — for a state
 * written before builds were recorded — the tag the current directory computes to.
 */
import { OperationError, UsageError } from '../../errors.js';
import { engineAddress, engineMessage, isNotFound, type Engine } from '../../docker/engine.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';

export interface LocalImageInput {
  /** --tag, or the tag computed from an explicit --context. */
  readonly tag?: string;
  /** The tag of the default context, for a state with no build record. */
  readonly defaultTag?: () => Promise<string>;
}

export interface LocalImage {
  /** `<repositoryUri>:<tag>`. */
  readonly ref: string;
  readonly tag: string;
  /** Where the tag came from. */
  readonly from: 'flag' | 'build record' | 'context';
  /** The Engine's `os/arch` of the image. */
  readonly platform: string;
}

/** The local image to push or run; a recorded build whose image is gone → exit 2 saying to build again. */
export async function findLocalImage(
  ctx: StepContext,
  docker: Engine,
  repositoryUri: string,
  input: LocalImageInput,
): Promise<LocalImage> {
  const state = ctx.state.current;
  const build = state.build;
  let tag = input.tag;
  let from: LocalImage['from'] = 'flag';
  if (tag === undefined && build) {
    tag = build.tag;
    from = 'build record';
  }
  if (tag === undefined) {
    tag = input.defaultTag ? await input.defaultTag() : undefined;
    from = 'context';
  }
  if (tag === undefined) throw new UsageError('no image built yet', { hint: 'Run `ecsctl image build` first.' });
  const ref = `${repositoryUri}:${tag}`;
  let inspected: { Id?: string; Os?: string; Architecture?: string; Variant?: string };
  try {
    inspected = await docker.getImage(ref).inspect();
  } catch (e) {
    if (isNotFound(e)) throw notThere(ref, from, build);
    throw new OperationError(`inspect image ${ref}: ${engineMessage(e)}`, { cause: e });
  }
  if (from === 'build record' && build?.imageId && inspected.Id && !sameId(build.imageId, inspected.Id)) {
    ctx.report.warn(
      `${ref} now names another image than \`image build\` recorded (${short(build.imageId)}, now ${short(inspected.Id)}); using what it names now`,
    );
  }
  const platform = [inspected.Os ?? 'linux', inspected.Architecture ?? 'amd64', inspected.Variant]
    .filter(Boolean)
    .join('/');
  return { ref, tag, from, platform };
}

function notThere(ref: string, from: LocalImage['from'], build: State['build']): UsageError {
  if (from === 'build record' && build) {
    const again = [
      'ecsctl image build',
      ...(build.context ? [`--context ${build.context}`] : []),
      ...(build.dockerfile && build.dockerfile !== 'Dockerfile' ? [`--dockerfile ${build.dockerfile}`] : []),
    ].join(' ');
    return new UsageError(
      `the image \`image build\` recorded, ${ref}, is no longer in the Docker engine at ${engineAddress()}`,
      { hint: `Build it again: ${again}` },
    );
  }
  return new UsageError(`no local image ${ref}`, {
    hint:
      from === 'flag'
        ? 'Run `ecsctl image build` first (with the same --tag or --context), or pass the --tag you built.'
        : 'Run `ecsctl image build` first, or pass the --tag you built.',
  });
}

/** "sha256:3776dafb587b…" and "3776dafb587b" name the same image. */
function sameId(a: string, b: string): boolean {
  const bare = (x: string) => x.replace(/^sha256:/, '');
  return bare(a).startsWith(bare(b)) || bare(b).startsWith(bare(a));
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
