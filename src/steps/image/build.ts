/**
 * `docker build` + `docker tag` through the Engine API, for the platform the stack's instances run
 * (see platform.ts). The build is recorded in the state — a local image, not an AWS resource —
 * so that `image push`, `image run` and a later `up` take what was built instead of the user
 * repeating tags and contexts.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationError } from '../../errors.js';
import type { BuildContext } from '../../docker/context.js';
import { engineMessage, type Engine } from '../../docker/engine.js';
import { buildStep, builtImageId, followStream, StreamFailure } from '../../docker/progress.js';
import type { TagChoice } from '../../docker/tag.js';
import { stackOf, type StepContext } from '../context.js';
import { repositoryOf, type EngineProvider } from './image.js';
import { architectureOfPlatform } from '../instances/arch.js';
import type { PlatformChoice } from './platform.js';

export interface BuildInput {
  readonly context: BuildContext;
  readonly tag: TagChoice;
  readonly buildArgs?: readonly (readonly [string, string])[];
  /** The platform and why (see platform.ts); decided before the command starts. */
  readonly platform: PlatformChoice;
}

export interface BuildResult {
  /** `<repositoryUri>:<tag>`, the local name of the built image. */
  readonly image: string;
  readonly tag: string;
  readonly tagRule: TagChoice['rule'];
  readonly imageId?: string;
  readonly platform: string;
  /** Why that platform: "for t4g.small", "--platform, for t4g.small". */
  readonly platformWhy: string;
  readonly files: number;
  readonly seconds: number;
}

/**
 * Packs the context, streams the build, tags `<repositoryUri>:<tag>`, and records the build
 * (reference, tag, image ID, platform, context, Dockerfile) so that push, run and `up` find it.
 */
export async function buildImage(ctx: StepContext, engine: EngineProvider, input: BuildInput): Promise<BuildResult> {
  const repo = repositoryOf(ctx.state.current);
  const docker = await engine();
  const image = `${repo.uri}:${input.tag.tag}`;
  const started = ctx.now();
  const { packContext } = await import('../../docker/context.js');
  const { platform } = input.platform;
  const title = `build ${image} (${platform}, ${input.platform.why})`;
  const once = (nocache: boolean) =>
    ctx.report.step(title, async (update) => {
      const tar = await packContext(input.context);
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.buildImage(tar, {
          t: image,
          dockerfile: input.context.dockerfile,
          // The classic builder: its progress is text lines; BuildKit's is protobuf in `aux`.
          version: '1',
          rm: true,
          forcerm: true,
          labels: { 'io.ecsctl.stack': stackOf(ctx) },
          ...(input.buildArgs?.length ? { buildargs: Object.fromEntries(input.buildArgs) } : {}),
          platform,
          ...(nocache ? { nocache: true } : {}),
          ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
        });
      } catch (e) {
        throw new OperationError(`build ${image}: ${engineMessage(e)}`, { cause: e });
      }
      try {
        return await followStream(stream, (event) => {
          const step = buildStep(event);
          if (step) update(step);
        });
      } catch (e) {
        if (e instanceof StreamFailure) throw await buildFailure(input.context, e.text);
        throw new OperationError(`build ${image}: ${engineMessage(e)}`, { cause: e });
      }
    });
  let events = await once(false);
  // The classic builder's cache ignores the platform (measured with dockerd 20.10: a FROM-scratch
  // context built for linux/arm64, then for linux/amd64, gives back the arm64 image). Whatever the
  // engine made is checked; a cached image of another platform is built again without the cache.
  let made = await builtPlatform(docker, image);
  if (made && architectureOfPlatform(made) !== input.platform.architecture) {
    ctx.report.info(`the build cache gave a ${made} image; building again without the cache`);
    events = await once(true);
    made = await builtPlatform(docker, image);
    if (made && architectureOfPlatform(made) !== input.platform.architecture)
      throw new OperationError(`the engine built ${image} for ${made}, not the ${platform} asked for`);
  }
  const imageId = builtImageId(events);
  const build = {
    ref: image,
    tag: input.tag.tag,
    ...(imageId ? { imageId } : {}),
    platform,
    context: input.context.root,
    dockerfile: input.context.dockerfile,
  };
  if (JSON.stringify(ctx.state.current.build) !== JSON.stringify(build)) await ctx.state.record({ build });
  return {
    image,
    tag: input.tag.tag,
    tagRule: input.tag.rule,
    imageId,
    platform,
    platformWhy: input.platform.why,
    files: input.context.files.length,
    seconds: round((ctx.now() - started) / 1000),
  };
}

/**
 * The builder's own text, plus — when a COPY or ADD source is missing — which file and which
 * context, since the builder names neither the context nor the reason (not there, or excluded).
 */
export async function buildFailure(context: BuildContext, text: string): Promise<OperationError> {
  const message = `build of ${context.dockerfile} failed: ${text}`;
  const missing = /\b(COPY|ADD) failed: .*?stat ([^:]+): file does not exist/.exec(text);
  if (!missing) return new OperationError(message);
  const [, instruction, file] = missing as unknown as [string, string, string];
  const onDisk = (await stat(join(context.root, file)).catch(() => undefined)) !== undefined;
  return new OperationError(message, {
    hint: onDisk
      ? `${file} is in the context ${context.root} but its .dockerignore excludes it; add a line "!${file}" there.`
      : `${file} is not in the context ${context.root}: ${instruction} sources are paths inside the context directory (--context), not next to the Dockerfile.`,
  });
}

/** The built image's os/arch as the Engine records it, or undefined when it cannot say. */
async function builtPlatform(docker: Engine, ref: string): Promise<string | undefined> {
  try {
    const i = await docker.getImage(ref).inspect();
    return i.Os && i.Architecture ? [i.Os, i.Architecture, i.Variant].filter(Boolean).join('/') : undefined;
  } catch {
    return undefined;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
