/**
 * The pre-deploy check: the pushed image's platform, read where it was pushed (a registry's
 * Distribution API for --registry, ECR's BatchGetImage + the config blob otherwise), against the
 * instances' architecture — refused in one line on a mismatch, recorded once per digest.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchGetImageCommand, GetAuthorizationTokenCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import { OperationError } from '../../../../src/errors.js';
import { checkImageArchitecture } from '../../../../src/steps/image/arch-check.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const REPO = {
  name: 'web',
  uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
  arn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
};
const DIGEST = `sha256:${'d'.repeat(64)}`;
const CONFIG = `sha256:${'c'.repeat(64)}`;
const REGISTRY = '127.0.0.1:5999';
const pushed = (extra: object = {}) => ({
  repository: REPO,
  image: { uri: `${REPO.uri}:v1`, tag: 'v1', digest: DIGEST, ...extra },
});
const manifest = {
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { digest: CONFIG },
};

function instancesAre(archs: string[]) {
  awsMock.ec2.on(DescribeInstanceTypesCommand).resolves({
    InstanceTypes: [{ ProcessorInfo: { SupportedArchitectures: archs as never } }],
  });
}

/** A registry answering the manifest by digest and the config blob. */
function registryWith(config: object, m: object = manifest) {
  const fetch = vi.fn(async (url: string | URL) => {
    const u = String(url);
    if (u.endsWith(`/v2/web/manifests/${DIGEST}`)) return Response.json(m);
    if (u.endsWith(`/v2/web/blobs/${CONFIG}`)) return Response.json(config);
    return new Response('not found', { status: 404 });
  });
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

beforeEach(() => {
  resetAwsMocks();
  awsMock.ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      {
        authorizationToken: Buffer.from('AWS:pw').toString('base64'),
        proxyEndpoint: `https://${REPO.uri.split('/')[0]}`,
      },
    ],
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('checkImageArchitecture', () => {
  it('refuses in one line an arm64 image for x86_64 instances (read from the registry), and records what it read', async () => {
    instancesAre(['x86_64']);
    const fetch = registryWith({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    const { ctx, state } = testContext(pushed({ registry: REGISTRY }));
    const e = await checkImageArchitecture(ctx, { instanceType: 't3.small' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OperationError);
    expect((e as Error).message).toBe(
      `${REPO.uri}:v1 is linux/arm64/v8, but the instances (t3.small) are x86_64: every task would fail with "exec format error"`,
    );
    expect((e as OperationError).hint).toMatch(/^Build it for linux\/amd64/);
    // Basic auth with the ECR-issued credentials, to the registry the image was pushed to.
    const [url, init] = fetch.mock.calls[0]! as unknown as [string, RequestInit];
    expect(url).toBe(`http://${REGISTRY}/v2/web/manifests/${DIGEST}`);
    expect((init.headers as Record<string, string>).Authorization).toBe(
      `Basic ${Buffer.from('AWS:pw').toString('base64')}`,
    );
    expect(state.current.image?.platform).toBe('linux/arm64/v8');
  });

  it('passes a matching image and asks nothing again for the same digest', async () => {
    instancesAre(['arm64']);
    const fetch = registryWith({ os: 'linux', architecture: 'arm64' });
    const { ctx } = testContext(pushed({ registry: REGISTRY }));
    expect(await checkImageArchitecture(ctx, { instanceType: 't4g.small' })).toEqual({
      outcome: 'matches',
      imagePlatform: 'linux/arm64',
      detail: 'linux/arm64 on t4g.small',
    });
    expect(fetch).toHaveBeenCalledTimes(2);
    await checkImageArchitecture(ctx, { instanceType: 't4g.small' });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(awsMock.ecr).toHaveReceivedCommandTimes(GetAuthorizationTokenCommand, 1);
  });

  it('reads an ECR image through BatchGetImage and the config blob from GetDownloadUrlForLayer', async () => {
    instancesAre(['x86_64']);
    awsMock.ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: JSON.stringify(manifest) }] });
    awsMock.ecr
      .on(GetDownloadUrlForLayerCommand)
      .resolves({ downloadUrl: 'https://s3.example/config?sig=1', layerDigest: CONFIG });
    const fetch = vi.fn(async () => Response.json({ os: 'linux', architecture: 'amd64' }));
    vi.stubGlobal('fetch', fetch);
    const { ctx } = testContext(pushed());
    expect((await checkImageArchitecture(ctx, { instanceType: 'm5.large' })).outcome).toBe('matches');
    expect(awsMock.ecr).toHaveReceivedCommandWith(BatchGetImageCommand, {
      repositoryName: 'web',
      imageIds: [{ imageDigest: DIGEST }],
    });
    expect(awsMock.ecr).toHaveReceivedCommandWith(GetDownloadUrlForLayerCommand, {
      repositoryName: 'web',
      layerDigest: CONFIG,
    });
    // The pre-signed URL carries its own signature: no credentials of ours go with it.
    expect((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].headers).toBeUndefined();
  });

  it('accepts a multi-platform index that lists the instances\u2019 platform (attestations ignored)', async () => {
    instancesAre(['arm64']);
    const index = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { platform: { os: 'linux', architecture: 'amd64' } },
        { platform: { os: 'linux', architecture: 'arm64' } },
        { platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    };
    awsMock.ecr.on(BatchGetImageCommand).resolves({ images: [{ imageManifest: JSON.stringify(index) }] });
    const { ctx } = testContext(pushed());
    expect(await checkImageArchitecture(ctx, { instanceType: 'c8g.large' })).toMatchObject({
      outcome: 'matches',
      imagePlatform: 'linux/amd64,linux/arm64',
    });
    expect(awsMock.ecr).not.toHaveReceivedCommand(GetDownloadUrlForLayerCommand);
  });

  it('warns and goes on when the registry cannot say; checks nothing for an image given with --image', async () => {
    instancesAre(['x86_64']);
    awsMock.ecr.on(BatchGetImageCommand).rejects(awsError('AccessDeniedException', 'not allowed: ecr:BatchGetImage'));
    const { ctx, report } = testContext(pushed());
    expect((await checkImageArchitecture(ctx, { instanceType: 't3.small' })).outcome).toBe('not checked');
    expect(report.lines.join('\n')).toMatch(
      /warn: could not read the platform of .*web:v1 from its registry .*AccessDeniedException.*; not checked/,
    );

    resetAwsMocks();
    const given = testContext({ repository: REPO, image: { uri: 'public.ecr.aws/nginx/nginx:1.27' } });
    expect(await checkImageArchitecture(given.ctx, { instanceType: 't3.small' })).toMatchObject({
      outcome: 'not checked',
    });
    expect(awsMock.ec2).not.toHaveReceivedCommand(DescribeInstanceTypesCommand);
  });
});
