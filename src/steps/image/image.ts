/**
 * The image (walkthrough: `docker build`, `docker tag`, `aws ecr get-login`, `docker push`),
 * through the Docker Engine API with dockerode — no docker CLI.
 *
 * build (build.ts) records the local image it made; push takes that record (or --tag) and
 * records the image the task definition should run — `<repositoryUri>:<tag>` and its digest —
 * the moment the registry confirms it. A failed build or push (an in-band error line) fails the step with the Engine's
 * own text; the ECR password never appears in the state, a progress line or an error.
 */
import { DescribeImagesCommand, paginateDescribeImages, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { missingStep, OperationError, UsageError } from '../../errors.js';
import { getRegistryAuth, scrub, type RegistryAuth } from '../../docker/ecr-auth.js';
import { engineMessage, type Engine } from '../../docker/engine.js';
import { followStream, LayerProgress, pushResult, StreamFailure } from '../../docker/progress.js';
import { remoteDigest } from '../../docker/registry.js';
import { findLocalImage, type LocalImageInput } from './local.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';

/** Connects when first needed, so state checks (exit 2) come before engine checks (exit 1). */
export type EngineProvider = () => Promise<Engine>;

export function repositoryOf(state: State): NonNullable<State['repository']> {
  const repo = state.repository;
  if (!repo) throw missingStep('ECR repository', 'repo create');
  return repo;
}

export interface PushInput extends LocalImageInput {
  /** HOST:PORT to push to instead of the ECR hostname (an emulator's registry). */
  readonly registry?: string;
  /** --endpoint-url: AWS calls go to an emulator, whose repository URIs name no registry. */
  readonly endpoint?: string;
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
  /** The image's os/arch, as the Engine has it. */
  readonly platform: string;
  readonly seconds: number;
}

/**
 * Pushes the image `image build` recorded (or the --tag given) with ECR-issued credentials,
 * unless the registry already holds that tag with the local image's digest; records {uri, tag,
 * digest, registry} in the state either way.
 */
export async function pushImage(ctx: StepContext, engine: EngineProvider, input: PushInput): Promise<PushResult> {
  const repo = repositoryOf(ctx.state.current);
  refuseEmulatorEcrHost(repo.uri, input);
  const docker = await engine();
  const { ref: local, tag, platform } = await findLocalImage(ctx, docker, repo.uri, input);
  const target = input.registry ? `${input.registry}/${repo.name}` : repo.uri;
  const pushedTo = `${target}:${tag}`;
  const started = ctx.now();
  const auth = await getRegistryAuth(ctx.aws.ecr, input.registry);
  if (input.registry) {
    await docker
      .getImage(local)
      .tag({ repo: target, tag })
      .catch((e: unknown) => {
        throw new OperationError(`tag ${local} as ${pushedTo}: ${engineMessage(e)}`, { cause: e });
      });
  }

  const there = input.registry
    ? await remoteDigest(input.registry, repo.name, tag, auth)
    : await ecrDigest(ctx.aws.ecr, repo.name, tag);
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
    digest = await push(ctx, docker, target, tag, auth);
    outcome = 'pushed';
  }
  const current = ctx.state.current.image;
  const record = {
    uri: local,
    tag,
    digest,
    ...(input.registry ? { registry: input.registry } : {}),
    // The registry's platform for this digest stays valid: a digest names one manifest forever.
    ...(current?.digest === digest && current.platform ? { platform: current.platform } : {}),
  };
  if (JSON.stringify(current) !== JSON.stringify(record)) await ctx.state.record({ image: record });
  return {
    outcome,
    image: local,
    pushedTo,
    tag,
    digest,
    ...(input.registry ? { registry: input.registry } : {}),
    platform,
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

/**
 * With --endpoint-url every AWS call goes to one emulator, so the repository's ECR hostname is
 * no registry anyone can push to (moto has none; its token opens nothing at AWS). Said before
 * any call, rather than after the engine tried the hostname.
 */
function refuseEmulatorEcrHost(repositoryUri: string, input: PushInput): void {
  const host = repositoryUri.split('/')[0] ?? '';
  if (!input.endpoint || input.registry || !/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(host)) return;
  throw new UsageError(
    `cannot push to ${host}: --endpoint-url sends AWS calls to ${input.endpoint}, and an emulator's repository URI names AWS's ECR host, not a registry it serves`,
    {
      hint: "Push to the emulator's registry with --registry HOST:PORT (or env ECSCTL_REGISTRY), e.g. --registry 127.0.0.1:5000; the task definition keeps the ECR URI.",
    },
  );
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
