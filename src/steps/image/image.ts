/**
 * The image (walkthrough: `docker build`, `docker tag`, `aws ecr get-login`, `docker push`),
 * through the Docker Engine API with dockerode — no docker CLI.
 *
 * build records nothing in the state (nothing exists remotely yet); push records the image the
 * task definition should run — `<repositoryUri>:<tag>` and its digest — the moment the registry
 * confirms it. A failed build or push (an in-band error line) fails the step with the Engine's
 * own text; the ECR password never appears in the state, a progress line or an error.
 */
import { DescribeImagesCommand, paginateDescribeImages, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { missingStep, OperationError, UsageError } from '../../errors.js';
import type { BuildContext } from '../../docker/context.js';
import { getRegistryAuth, scrub, type RegistryAuth } from '../../docker/ecr-auth.js';
import { engineMessage, isNotFound, type Engine } from '../../docker/engine.js';
import {
  buildStep,
  builtImageId,
  followStream,
  LayerProgress,
  pushResult,
  StreamFailure,
} from '../../docker/progress.js';
import { remoteDigest } from '../../docker/registry.js';
import type { TagChoice } from '../../docker/tag.js';
import type { State } from '../../state/schema.js';
import { stackOf, type StepContext } from '../context.js';

/** Connects when first needed, so state checks (exit 2) come before engine checks (exit 1). */
export type EngineProvider = () => Promise<Engine>;

export function repositoryOf(state: State): NonNullable<State['repository']> {
  const repo = state.repository;
  if (!repo) throw missingStep('ECR repository', 'repo create');
  return repo;
}

export interface BuildInput {
  readonly context: BuildContext;
  readonly tag: TagChoice;
  readonly buildArgs?: readonly (readonly [string, string])[];
  readonly platform?: string;
}

export interface BuildResult {
  /** `<repositoryUri>:<tag>`, the local name of the built image. */
  readonly image: string;
  readonly tag: string;
  readonly tagRule: TagChoice['rule'];
  readonly imageId?: string;
  readonly files: number;
  readonly seconds: number;
}

/** Packs the context, streams the build and tags `<repositoryUri>:<tag>`. Records nothing. */
export async function buildImage(ctx: StepContext, engine: EngineProvider, input: BuildInput): Promise<BuildResult> {
  const repo = repositoryOf(ctx.state.current);
  const docker = await engine();
  const image = `${repo.uri}:${input.tag.tag}`;
  const started = ctx.now();
  const { packContext } = await import('../../docker/context.js');
  const events = await ctx.report.step(`build ${image}`, async (update) => {
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
        ...(input.platform ? { platform: input.platform } : {}),
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
      if (e instanceof StreamFailure)
        throw new OperationError(`build of ${input.context.dockerfile} failed: ${e.text}`);
      throw new OperationError(`build ${image}: ${engineMessage(e)}`, { cause: e });
    }
  });
  return {
    image,
    tag: input.tag.tag,
    tagRule: input.tag.rule,
    imageId: builtImageId(events),
    files: input.context.files.length,
    seconds: round((ctx.now() - started) / 1000),
  };
}

export interface PushInput {
  readonly tag: string;
  /** HOST:PORT to push to instead of the ECR hostname (an emulator's registry). */
  readonly registry?: string;
}

export interface PushResult {
  readonly outcome: 'pushed' | 'already pushed';
  /** What the task definition runs: `<repositoryUri>:<tag>`. */
  readonly image: string;
  /** Where the bytes went (differs from `image` with --registry). */
  readonly pushedTo: string;
  readonly tag: string;
  readonly digest: string;
  readonly registry?: string;
  readonly seconds: number;
}

/**
 * Pushes `<repositoryUri>:<tag>` (built by `image build`) with ECR-issued credentials, unless the
 * registry already holds that tag with the local image's digest; records {uri, tag, digest,
 * registry} in the state either way.
 */
export async function pushImage(ctx: StepContext, engine: EngineProvider, input: PushInput): Promise<PushResult> {
  const repo = repositoryOf(ctx.state.current);
  const docker = await engine();
  const local = `${repo.uri}:${input.tag}`;
  const target = input.registry ? `${input.registry}/${repo.name}` : repo.uri;
  const pushedTo = `${target}:${input.tag}`;
  const started = ctx.now();
  await requireLocalImage(docker, local);
  const auth = await getRegistryAuth(ctx.aws.ecr, input.registry);
  if (input.registry) {
    await docker
      .getImage(local)
      .tag({ repo: target, tag: input.tag })
      .catch((e: unknown) => {
        throw new OperationError(`tag ${local} as ${pushedTo}: ${engineMessage(e)}`, { cause: e });
      });
  }

  const there = input.registry
    ? await remoteDigest(input.registry, repo.name, input.tag, auth)
    : await ecrDigest(ctx.aws.ecr, repo.name, input.tag);
  const mine = ((await docker.getImage(pushedTo).inspect()).RepoDigests ?? [])
    .filter((d) => d.startsWith(`${target}@`))
    .map((d) => d.slice(target.length + 1));
  let digest: string;
  let outcome: PushResult['outcome'];
  if (there && mine.includes(there)) {
    digest = there;
    outcome = 'already pushed';
    ctx.report.info(`${pushedTo} already pushed (${there}); nothing to upload`);
  } else {
    digest = await push(ctx, docker, target, input.tag, auth);
    outcome = 'pushed';
  }
  const record = { uri: local, tag: input.tag, digest, ...(input.registry ? { registry: input.registry } : {}) };
  const current = ctx.state.current.image;
  if (JSON.stringify(current) !== JSON.stringify(record)) await ctx.state.record({ image: record });
  return {
    outcome,
    image: local,
    pushedTo,
    tag: input.tag,
    digest,
    ...(input.registry ? { registry: input.registry } : {}),
    seconds: round((ctx.now() - started) / 1000),
  };
}

async function push(
  ctx: StepContext,
  docker: Engine,
  target: string,
  tag: string,
  auth: RegistryAuth,
): Promise<string> {
  const ref = `${target}:${tag}`;
  const clean = (text: string) => scrub(text, auth.secrets);
  return ctx.report.step(`push ${ref}`, async (update) => {
    const layers = new LayerProgress();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker
        .getImage(target)
        .push({ tag, authconfig: { ...auth.authconfig }, ...(ctx.signal ? { abortSignal: ctx.signal } : {}) });
    } catch (e) {
      // No raw cause: dockerode errors carry the request options, auth header included.
      throw new OperationError(`push ${ref} failed: ${clean(engineMessage(e))}`);
    }
    let events;
    try {
      events = await followStream(stream, (event) => {
        const line = layers.update(event);
        if (line) update(clean(line));
      });
    } catch (e) {
      const text = clean(e instanceof StreamFailure ? e.text : engineMessage(e));
      const auth401 = /unauthorized|authentication required|no basic auth credentials|denied/i.test(text);
      throw new OperationError(
        `push ${ref} failed: ${text}`,
        auth401
          ? {
              hint: `The registry ${auth.authconfig.serveraddress} refused the ECR-issued credentials (user ${auth.authconfig.username}).`,
            }
          : {},
      );
    }
    const result = pushResult(events);
    if (!result?.digest) throw new OperationError(`push ${ref} ended without a digest from the registry`);
    return result.digest;
  });
}

async function requireLocalImage(docker: Engine, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).inspect();
  } catch (e) {
    if (isNotFound(e))
      throw new UsageError(`no local image ${ref}`, {
        hint: 'Run `ecsctl image build` first (from the same --context), or pass the --tag you built.',
      });
    throw new OperationError(`inspect image ${ref}: ${engineMessage(e)}`, { cause: e });
  }
}

/** The digest ECR holds for `tag`, or undefined when the tag is not there. */
async function ecrDigest(ecr: ECRClient, repositoryName: string, tag: string): Promise<string | undefined> {
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] }));
    return out.imageDetails?.[0]?.imageDigest;
  } catch (e) {
    if (isAwsError(e, 'ImageNotFoundException')) return undefined;
    throw asOperationError(`describe image ${repositoryName}:${tag}`, e);
  }
}

export interface ImageRow {
  readonly tags: readonly string[];
  readonly digest: string;
  readonly pushedAt?: string;
  readonly sizeBytes?: number;
}

/** The repository's images from ECR, newest first. */
export async function listImages(ctx: StepContext): Promise<ImageRow[]> {
  const repo = repositoryOf(ctx.state.current);
  const details: ImageDetail[] = [];
  try {
    for await (const page of paginateDescribeImages({ client: ctx.aws.ecr }, { repositoryName: repo.name }))
      details.push(...(page.imageDetails ?? []));
  } catch (e) {
    throw asOperationError(`list images of ${repo.name}`, e);
  }
  return details
    .map((d) => ({
      tags: d.imageTags ?? [],
      digest: d.imageDigest ?? '',
      pushedAt: d.imagePushedAt?.toISOString(),
      sizeBytes: d.imageSizeInBytes,
    }))
    .sort((a, b) => (b.pushedAt ?? '').localeCompare(a.pushedAt ?? ''));
}

const round = (n: number) => Math.round(n * 100) / 100;
