/**
 * image steps with a scripted engine (dockerode-shaped fake) and mocked ECR: what is pushed with
 * which credentials, when a push is skipped, what is recorded, how in-band failures surface —
 * and that the ECR password/token appear in nothing printed, thrown or stored.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DescribeImagesCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { Engine } from '../../../../src/docker/engine.js';
import { OperationError, UsageError } from '../../../../src/errors.js';
import { buildImage } from '../../../../src/steps/image/build.js';
import { listImages, pushImage } from '../../../../src/steps/image/image.js';
import { choosePlatform } from '../../../../src/steps/image/platform.js';
import { awsError, awsMock, resetAwsMocks, testContext } from '../../helpers/context.js';

const PASSWORD = 'pw-0123456789-very-secret';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
const REPO = {
  name: 'web',
  uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
  arn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
};
const DIGEST = `sha256:${'d'.repeat(64)}`;
const REGISTRY = '127.0.0.1:5999';

function streamOf(events: object[]): PassThrough {
  const s = new PassThrough();
  queueMicrotask(() => {
    for (const e of events) s.write(`${JSON.stringify(e)}\n`);
    s.end();
  });
  return s;
}

const PUSH_OK = [
  { status: 'The push refers to repository [x]' },
  { status: 'Preparing', id: 'aaaaaaaaaaaa' },
  { status: 'Pushing', id: 'aaaaaaaaaaaa', progressDetail: { current: 10, total: 20 } },
  { status: 'Pushed', id: 'aaaaaaaaaaaa' },
  { status: `v1: digest: ${DIGEST} size: 735` },
  { aux: { Tag: 'v1', Digest: DIGEST, Size: 735 } },
];

function fakeEngine(
  o: { push?: object[]; pushThrows?: Error; build?: object[]; repoDigests?: string[]; missing?: boolean } = {},
) {
  const calls = {
    push: [] as { name: string; opts: Record<string, unknown> }[],
    tag: [] as object[],
    build: [] as Record<string, unknown>[],
    connects: 0,
  };
  const engine = {
    getImage: (name: string) => ({
      inspect: async () => {
        if (o.missing) throw Object.assign(new Error('(HTTP code 404) no such image'), { statusCode: 404 });
        return { RepoDigests: o.repoDigests ?? [] };
      },
      tag: async (opts: object) => void calls.tag.push({ name, ...opts }),
      push: async (opts: Record<string, unknown>) => {
        calls.push.push({ name, opts });
        if (o.pushThrows) throw o.pushThrows;
        return streamOf(o.push ?? PUSH_OK);
      },
    }),
    buildImage: async (tar: NodeJS.ReadableStream, opts: Record<string, unknown>) => {
      calls.build.push(opts);
      tar.resume();
      return streamOf(o.build ?? []);
    },
  };
  return {
    provider: async () => {
      calls.connects++;
      return engine as unknown as Engine;
    },
    calls,
  };
}

function registryAnswers(digest?: string) {
  const fetch = vi.fn(
    async () =>
      new Response(null, digest ? { status: 200, headers: { 'docker-content-digest': digest } } : { status: 404 }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

/** Everything a user or a log could see, plus the state: no secret in any of it. */
function expectNoSecret(...texts: unknown[]) {
  const all = texts
    .map((t) => (typeof t === 'string' ? t : JSON.stringify(t, Object.getOwnPropertyNames(t ?? {}))))
    .join('\n');
  for (const s of [PASSWORD, TOKEN]) expect(all).not.toContain(s);
}

beforeEach(() => {
  resetAwsMocks();
  awsMock.ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [
      { authorizationToken: TOKEN, proxyEndpoint: `https://${REPO.uri.split('/')[0]}`, expiresAt: new Date(0) },
    ],
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('pushImage', () => {
  it('pushes to --registry with the ECR-issued credentials and records the ECR URI, tag, digest and registry', async () => {
    const fetch = registryAnswers(undefined);
    const { ctx, report, state } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine();
    const result = await pushImage(ctx, provider, { tag: 'v1', registry: REGISTRY });

    expect(calls.tag).toEqual([{ name: `${REPO.uri}:v1`, repo: `${REGISTRY}/web`, tag: 'v1' }]);
    expect(calls.push).toHaveLength(1);
    expect(calls.push[0]).toMatchObject({
      name: `${REGISTRY}/web`,
      opts: { tag: 'v1', authconfig: { username: 'AWS', password: PASSWORD, serveraddress: REGISTRY } },
    });
    expect(fetch).toHaveBeenCalledWith(
      `http://${REGISTRY}/v2/web/manifests/v1`,
      expect.objectContaining({ method: 'HEAD' }),
    );
    expect(result).toMatchObject({
      outcome: 'pushed',
      image: `${REPO.uri}:v1`,
      pushedTo: `${REGISTRY}/web:v1`,
      digest: DIGEST,
      registry: REGISTRY,
    });
    expect(state.current.image).toEqual({ uri: `${REPO.uri}:v1`, tag: 'v1', digest: DIGEST, registry: REGISTRY });
    expect(report.lines).toContain(`  push ${REGISTRY}/web:v1: 1 layer: 1 pushed`);
    expectNoSecret(report.lines, result, state.saved);
  });

  it("skips the upload when the registry holds the tag with the local image's digest, and says so", async () => {
    registryAnswers(DIGEST);
    const { ctx, report, state } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine({ repoDigests: [`${REGISTRY}/web@${DIGEST}`] });
    const result = await pushImage(ctx, provider, { tag: 'v1', registry: REGISTRY });
    expect(calls.push).toHaveLength(0);
    expect(result.outcome).toBe('already pushed');
    expect(report.lines.join('\n')).toMatch(/already pushed/);
    expect(state.current.image?.digest).toBe(DIGEST);
  });

  it('pushes again when the registry holds another digest for the tag', async () => {
    registryAnswers(`sha256:${'e'.repeat(64)}`);
    const { ctx } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine({ repoDigests: [`${REGISTRY}/web@${DIGEST}`] });
    expect((await pushImage(ctx, provider, { tag: 'v1', registry: REGISTRY })).outcome).toBe('pushed');
    expect(calls.push).toHaveLength(1);
  });

  it('asks ECR itself (DescribeImages) when pushing to ECR, and pushes with the ECR host as serveraddress', async () => {
    const { ctx, state } = testContext({ repository: REPO });
    awsMock.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST, imageTags: ['v1'] }] });
    const skip = fakeEngine({ repoDigests: [`${REPO.uri}@${DIGEST}`] });
    expect((await pushImage(ctx, skip.provider, { tag: 'v1' })).outcome).toBe('already pushed');
    expect(skip.calls.push).toHaveLength(0);
    expect(awsMock.ecr).toHaveReceivedCommandWith(DescribeImagesCommand, {
      repositoryName: 'web',
      imageIds: [{ imageTag: 'v1' }],
    });
    expect(state.current.image).toEqual({ uri: `${REPO.uri}:v1`, tag: 'v1', digest: DIGEST });

    awsMock.ecr.on(DescribeImagesCommand).rejects(awsError('ImageNotFoundException'));
    const push = fakeEngine();
    expect((await pushImage(ctx, push.provider, { tag: 'v1' })).outcome).toBe('pushed');
    expect(push.calls.tag).toEqual([]);
    expect(push.calls.push[0]?.opts.authconfig).toMatchObject({ serveraddress: REPO.uri.split('/')[0] });
  });

  it("fails with the registry's words, scrubbed of every credential, when the stream carries an error", async () => {
    registryAnswers(undefined);
    const header = Buffer.from(
      JSON.stringify({ username: 'AWS', password: PASSWORD, serveraddress: REGISTRY }),
    ).toString('base64url');
    const text = `denied: token ${TOKEN} for AWS:${PASSWORD} (${header}) rejected`;
    const { ctx, report, state } = testContext({ repository: REPO });
    const { provider } = fakeEngine({
      push: [
        { status: 'Preparing', id: 'aaaaaaaaaaaa' },
        { errorDetail: { message: text }, error: text },
      ],
    });
    const error = await pushImage(ctx, provider, { tag: 'v1', registry: REGISTRY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toBe(`push ${REGISTRY}/web:v1 failed: denied: token *** for *** (***) rejected`);
    expect((error as OperationError).hint).toMatch(/refused the ECR-issued credentials/);
    expect(state.current.image).toBeUndefined();
    expectNoSecret(error, (error as OperationError).hint, report.lines, state.saved);
  });

  it('keeps no raw dockerode error (it holds the request, auth header included) when the push call itself fails', async () => {
    registryAnswers(undefined);
    const raw = Object.assign(new Error(`(HTTP code 500) server error - password ${PASSWORD}`), {
      statusCode: 500,
      json: { message: `login with ${PASSWORD} failed` },
      opts: { authconfig: { password: PASSWORD } },
    });
    const { ctx } = testContext({ repository: REPO });
    const error = await pushImage(ctx, fakeEngine({ pushThrows: raw }).provider, {
      tag: 'v1',
      registry: REGISTRY,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`push ${REGISTRY}/web:v1 failed: login with *** failed`);
    expect((error as Error).cause).toBeUndefined();
    expectNoSecret(error);
  });

  it('needs a recorded repository (exit 2, names repo create) before touching the engine, and a local image', async () => {
    const none = fakeEngine();
    const noRepo = await pushImage(testContext().ctx, none.provider, { tag: 'v1' }).catch((e: unknown) => e);
    expect(noRepo).toBeInstanceOf(UsageError);
    expect((noRepo as UsageError).hint).toMatch(/ecsctl repo create/);
    expect(none.calls.connects).toBe(0);

    const missing = await pushImage(testContext({ repository: REPO }).ctx, fakeEngine({ missing: true }).provider, {
      tag: 'v9',
    }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as Error).message).toBe(`no local image ${REPO.uri}:v9`);
    expect(awsMock.ecr).not.toHaveReceivedCommand(GetAuthorizationTokenCommand);
  });
});

describe('pushImage with what `image build` recorded', () => {
  const build = {
    ref: `${REPO.uri}:v7`,
    tag: 'v7',
    imageId: 'sha256:abc',
    platform: 'linux/arm64',
    context: '/work/app',
    dockerfile: 'Dockerfile.scratch',
  };

  it('pushes the recorded build when no --tag is given; --tag still overrides', async () => {
    registryAnswers();
    const { ctx } = testContext({ repository: REPO, build });
    const { provider, calls } = fakeEngine();
    const r = await pushImage(ctx, provider, { registry: REGISTRY, defaultTag: async () => 'ctx-never-used' });
    expect(r).toMatchObject({ tag: 'v7', image: `${REPO.uri}:v7`, pushedTo: `${REGISTRY}/web:v7` });
    expect(calls.push[0]).toMatchObject({ name: `${REGISTRY}/web`, opts: { tag: 'v7' } });
    const flagged = await pushImage(ctx, provider, { tag: 'v8', registry: REGISTRY });
    expect(flagged.tag).toBe('v8');
  });

  it('says to build again (exit 2, before any AWS call) when the recorded image is gone from the engine', async () => {
    const { ctx } = testContext({ repository: REPO, build });
    const e = await pushImage(ctx, fakeEngine({ missing: true }).provider, { registry: REGISTRY }).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(
      new RegExp(`^the image \`image build\` recorded, ${REPO.uri}:v7, is no longer in the Docker engine at `),
    );
    expect((e as UsageError).hint).toBe(
      'Build it again: ecsctl image build --context /work/app --dockerfile Dockerfile.scratch',
    );
    expect(awsMock.ecr).not.toHaveReceivedCommand(GetAuthorizationTokenCommand);
  });

  it("falls back to the default context's tag for a state with no build record", async () => {
    registryAnswers();
    const { ctx } = testContext({ repository: REPO });
    const r = await pushImage(ctx, fakeEngine().provider, { registry: REGISTRY, defaultTag: async () => 'ctx-0a' });
    expect(r.tag).toBe('ctx-0a');
  });

  it("refuses (exit 2, no call, no engine) to push to an emulator's ECR hostname, pointing at --registry", async () => {
    const { ctx } = testContext({ repository: REPO, build });
    const { provider, calls } = fakeEngine();
    const e = await pushImage(ctx, provider, { endpoint: 'http://127.0.0.1:5000' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      `cannot push to ${REPO.uri.split('/')[0]}: --endpoint-url sends AWS calls to http://127.0.0.1:5000, and an emulator's repository URI names AWS's ECR host, not a registry it serves`,
    );
    expect((e as UsageError).hint).toMatch(/--registry HOST:PORT/);
    expect(calls.connects).toBe(0);
    expect(awsMock.ecr).not.toHaveReceivedCommand(GetAuthorizationTokenCommand);
  });
});

describe('buildImage', () => {
  const context = { root: '/nonexistent-ctx', dockerfile: 'Dockerfile.scratch', admitted: [], files: [] };

  it('builds with the classic builder, the tag, platform and build args, and records the build', async () => {
    const { ctx, report, state } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine({
      build: [
        { stream: 'Step 1/2 : FROM scratch\n' },
        { stream: 'Step 2/2 : COPY busybox /bin/busybox\n' },
        { aux: { ID: 'sha256:abc' } },
      ],
    });
    const r = await buildImage(ctx, provider, {
      context,
      tag: { tag: 'ctx-0123456789ab', rule: 'content' },
      buildArgs: [['A', '1']],
      platform: choosePlatform({ instanceType: 't4g.small' }),
    });
    expect(calls.build[0]).toMatchObject({
      t: `${REPO.uri}:ctx-0123456789ab`,
      dockerfile: 'Dockerfile.scratch',
      version: '1',
      platform: 'linux/arm64',
      buildargs: { A: '1' },
    });
    expect(r).toMatchObject({
      image: `${REPO.uri}:ctx-0123456789ab`,
      tagRule: 'content',
      imageId: 'sha256:abc',
      platform: 'linux/arm64',
      platformWhy: 'for t4g.small',
    });
    expect(report.lines).toContain(
      `  build ${REPO.uri}:ctx-0123456789ab (linux/arm64, for t4g.small): Step 2/2 : COPY busybox /bin/busybox`,
    );
    const build = {
      ref: `${REPO.uri}:ctx-0123456789ab`,
      tag: 'ctx-0123456789ab',
      imageId: 'sha256:abc',
      platform: 'linux/arm64',
      context: '/nonexistent-ctx',
      dockerfile: 'Dockerfile.scratch',
    };
    expect(state.saved).toEqual([expect.objectContaining({ build })]);

    // The same build again records nothing new.
    await buildImage(ctx, provider, {
      context,
      tag: { tag: 'ctx-0123456789ab', rule: 'content' },
      platform: choosePlatform({ instanceType: 't4g.small' }),
    });
    expect(state.saved).toHaveLength(1);
  });

  it('builds again without the cache when the engine hands back a cached image of another platform', async () => {
    const { ctx, report } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine({ build: [{ aux: { ID: 'sha256:abc' } }] });
    const engine = await provider();
    const made = ['arm64', 'amd64'];
    (engine as unknown as { getImage: () => object }).getImage = () => ({
      inspect: async () => ({ Os: 'linux', Architecture: made.shift() ?? 'amd64' }),
    });
    await buildImage(ctx, async () => engine, {
      context,
      tag: { tag: 'v1', rule: 'flag' },
      platform: choosePlatform({ instanceType: 't3.small' }),
    });
    expect(calls.build.map((b) => b.nocache)).toEqual([undefined, true]);
    expect(report.lines).toContain('the build cache gave a linux/arm64 image; building again without the cache');
  });

  it("fails (exit 1) with the builder's text from an in-band error line", async () => {
    const text =
      'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist';
    const { provider } = fakeEngine({
      build: [{ stream: 'Step 2/2 : COPY missing.txt /x\n' }, { errorDetail: { message: text }, error: text }],
    });
    const error = await buildImage(testContext({ repository: REPO }).ctx, provider, {
      context,
      tag: { tag: 'b', rule: 'flag' },
      platform: choosePlatform({}),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toBe(`build of Dockerfile.scratch failed: ${text}`);
    // The builder names neither the context nor why the file is missing; the hint does.
    expect((error as OperationError).hint).toBe(
      'missing.txt is not in the context /nonexistent-ctx: COPY sources are paths inside the context directory (--context), not next to the Dockerfile.',
    );
  });
});

describe('listImages', () => {
  it('reads every page from ECR, newest first', async () => {
    awsMock.ecr.on(DescribeImagesCommand, { repositoryName: 'web', nextToken: undefined }).resolves({
      imageDetails: [
        {
          imageTags: ['old'],
          imageDigest: 'sha256:1',
          imagePushedAt: new Date('2026-01-01T00:00:00Z'),
          imageSizeInBytes: 100,
        },
      ],
      nextToken: 'p2',
    });
    awsMock.ecr.on(DescribeImagesCommand, { repositoryName: 'web', nextToken: 'p2' }).resolves({
      imageDetails: [
        {
          imageTags: ['new'],
          imageDigest: 'sha256:2',
          imagePushedAt: new Date('2026-02-01T00:00:00Z'),
          imageSizeInBytes: 200,
        },
      ],
    });
    const rows = await listImages(testContext({ repository: REPO }).ctx);
    expect(rows).toEqual([
      { tags: ['new'], digest: 'sha256:2', pushedAt: '2026-02-01T00:00:00.000Z', sizeBytes: 200 },
      { tags: ['old'], digest: 'sha256:1', pushedAt: '2026-01-01T00:00:00.000Z', sizeBytes: 100 },
    ]);
  });
});
