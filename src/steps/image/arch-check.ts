/**
 * Before a service is created or updated with a new image: does the pushed image run on the
 * instances' CPU? ECS itself would only find out task by task ("exec format error", then the
 * circuit breaker's rollback after minutes). The image's platform comes from where it was pushed:
 * the registry's own manifest and config (Distribution API, with the ECR-issued credentials) for
 * --registry, else ECR's BatchGetImage and, for a single-platform manifest, the config blob via
 * GetDownloadUrlForLayer. A digest names one manifest forever, so the answer is recorded with the
 * image and never asked again for that digest.
 */
import { BatchGetImageCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { asOperationError } from '../../aws/errors.js';
import { OperationError } from '../../errors.js';
import { getRegistryAuth } from '../../docker/ecr-auth.js';
import { MANIFEST_TYPES, registryBaseUrl } from '../../docker/registry.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';
import { architectureOfPlatform, DEFAULT_INSTANCE_TYPE, instanceArchitecture, platformFor } from '../instances/arch.js';
import { repositoryOf } from './image.js';

export interface ArchitectureCheck {
  readonly outcome: 'matches' | 'not checked';
  /** os/arch of the image (comma-separated for a multi-platform index), when known. */
  readonly imagePlatform?: string;
  readonly detail: string;
}

/**
 * Compares the recorded image's platform with the instances' architecture (EC2's answer for
 * `instanceType`, else the family rule). An image ecsctl did not push (given with --image) or
 * whose registry cannot say is not checked (a warning says why).
 * @throws OperationError (one line) when the instances cannot run the image.
 */
export async function checkImageArchitecture(
  ctx: StepContext,
  o: { readonly instanceType: string },
): Promise<ArchitectureCheck> {
  const image = ctx.state.current.image;
  if (!image?.digest) return { outcome: 'not checked', detail: 'image given with --image' };
  const instances = await instanceArchitecture(ctx, o.instanceType);
  let platform = image.platform;
  if (!platform) {
    try {
      platform = await pushedPlatform(ctx, image);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      ctx.report.warn(`could not read the platform of ${image.uri} from its registry (${why}); not checked`);
      return { outcome: 'not checked', detail: why };
    }
    await ctx.state.record({ image: { ...image, platform } });
  }
  const runs = platform.split(',').some((p) => architectureOfPlatform(p) === instances.architecture);
  if (!runs) {
    throw new OperationError(
      `${image.uri} is ${platform}, but the instances (${o.instanceType}) are ${instances.architecture}: every task would fail with "exec format error"`,
      {
        hint: `Build it for ${platformFor(instances.architecture)} (\`ecsctl image build\` picks the instances' platform when --platform is left out) and push it again.`,
      },
    );
  }
  return { outcome: 'matches', imagePlatform: platform, detail: `${platform} on ${o.instanceType}` };
}

/**
 * `service create` with the recorded task definition: the check above, once its own inputs are
 * recorded (a missing cluster or task definition is the step's exit 2, before any call).
 */
export async function checkBeforeServiceCreate(ctx: StepContext): Promise<void> {
  const st = ctx.state.current;
  if (!st.cluster || !st.taskDefinition) return;
  await checkImageArchitecture(ctx, { instanceType: st.instances?.type ?? DEFAULT_INSTANCE_TYPE });
}

type Image = NonNullable<State['image']>;

interface Manifest {
  readonly mediaType?: string;
  readonly config?: { readonly digest?: string };
  readonly manifests?: readonly { readonly platform?: { os?: string; architecture?: string; variant?: string } }[];
}

/** The image's os/arch as its registry has it (an index: every platform it lists, comma-separated). */
export async function pushedPlatform(ctx: StepContext, image: Image): Promise<string> {
  const repo = repositoryOf(ctx.state.current);
  const digest = image.digest!;
  if (image.registry) {
    const auth = await getRegistryAuth(ctx.aws.ecr, image.registry);
    const { username, password } = auth.authconfig;
    const get = async (path: string, accept: string) => {
      const res = await fetch(`${registryBaseUrl(image.registry!)}/v2/${repo.name}/${path}`, {
        headers: {
          Accept: accept,
          Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`GET ${path.split('/')[0]} answered HTTP ${res.status}`);
      return res.json() as Promise<unknown>;
    };
    const manifest = (await get(`manifests/${digest}`, MANIFEST_TYPES)) as Manifest;
    return platformOf(manifest, (config) => get(`blobs/${config}`, '*/*'));
  }
  let text: string | undefined;
  try {
    const out = await ctx.aws.ecr.send(
      new BatchGetImageCommand({
        repositoryName: repo.name,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: MANIFEST_TYPES.split(', '),
      }),
    );
    text = out.images?.[0]?.imageManifest;
    if (!text) throw new Error(out.failures?.[0]?.failureReason ?? 'no manifest for the digest');
  } catch (e) {
    throw asOperationError(`read the manifest of ${image.uri}`, e);
  }
  return platformOf(JSON.parse(text) as Manifest, async (config) => {
    let url: string | undefined;
    try {
      url = (
        await ctx.aws.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: repo.name, layerDigest: config }))
      ).downloadUrl;
    } catch (e) {
      throw asOperationError(`read the image config of ${image.uri}`, e);
    }
    if (!url) throw new Error('ECR gave no download URL for the image config');
    // A pre-signed S3 URL: no credentials of ours travel with it.
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`the image config download answered HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  });
}

/** From an index, the platforms it lists; from a single manifest, its config's os/architecture. */
async function platformOf(manifest: Manifest, config: (digest: string) => Promise<unknown>): Promise<string> {
  if (manifest.manifests) {
    const listed = manifest.manifests
      .map((m) => m.platform)
      .filter((p) => p?.os && p.architecture && p.os !== 'unknown') // attestation manifests say unknown/unknown
      .map((p) => [p!.os, p!.architecture, p!.variant].filter(Boolean).join('/'));
    if (listed.length === 0) throw new Error('the image index lists no platform');
    return [...new Set(listed)].join(',');
  }
  const digest = manifest.config?.digest;
  if (!digest) throw new Error('the manifest names no config');
  const c = (await config(digest)) as { os?: string; architecture?: string; variant?: string };
  if (!c.os || !c.architecture) throw new Error('the image config names no os/architecture');
  return [c.os, c.architecture, c.variant].filter(Boolean).join('/');
}
