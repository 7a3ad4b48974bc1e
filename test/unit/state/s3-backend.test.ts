import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/errors.js';
import { s3Backend } from '../../../src/state/s3-backend.js';
import { bucketClient } from '../../../src/state/s3-client.js';
import { emptyState } from '../../../src/state/schema.js';
import { body, client, s3Error, s3Mock, WHERE } from '../helpers/s3.js';

const STATE = emptyState('web', 'us-east-1');
const TEXT = `${JSON.stringify(STATE, null, 2)}\n`;
const CLUSTER = { cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } };
const stateWrites = () =>
  s3Mock
    .commandCalls(PutObjectCommand)
    .filter((c) => c.args[0].input.Key === 'web.json')
    .map((c) => c.args[0].input);

function backend(over: { kmsKey?: string } = {}) {
  const warnings: string[] = [];
  return { b: s3Backend(client(), WHERE, { ...over, warn: (m) => warnings.push(m) }), warnings };
}

beforeEach(() => s3Mock.reset());

describe('the S3 state: conditional, encrypted writes', () => {
  it('reads the object and writes with If-Match on the ETag it read, then on each ETag written', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(TEXT), ETag: '"v1"' });
    s3Mock.on(PutObjectCommand).resolvesOnce({ ETag: '"v2"' }).resolves({ ETag: '"v3"' });
    const { b } = backend();
    const state = await b.read();
    expect(state?.name).toBe('web');
    const h = b.handle(state!);
    // Two records at once are written one after the other, each on the ETag of the one before.
    await Promise.all([h.record(CLUSTER), h.record({ logGroup: { name: '/ecs/web' } } as never)]);
    expect(stateWrites()).toMatchObject([
      { IfMatch: '"v1"', ServerSideEncryption: 'AES256', ContentType: 'application/json' },
      { IfMatch: '"v2"', ServerSideEncryption: 'AES256' },
    ]);
    expect(JSON.parse(String(stateWrites()[1]!.Body))).toMatchObject({ ...CLUSTER, logGroup: { name: '/ecs/web' } });
    expect(b.etag()).toBe('"v3"');
  });

  it('creates a new object with If-None-Match: *, so a state someone made meanwhile is never replaced', async () => {
    s3Mock.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"v1"' });
    const { b } = backend();
    expect(await b.read()).toBeUndefined();
    await b.handle(STATE).record(CLUSTER);
    expect(stateWrites()[0]).toMatchObject({ IfNoneMatch: '*' });
    expect(stateWrites()[0]!.IfMatch).toBeUndefined();
  });

  it('encrypts with SSE-KMS when a key is given', async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"v1"' });
    await backend({ kmsKey: 'alias/state' }).b.write(STATE);
    expect(stateWrites()[0]).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/state' });
  });

  it('412 after someone else wrote: exit 3, one attempt, their object untouched', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: body(TEXT), ETag: '"v1"' })
      .resolves({ Body: body(`${TEXT} `), ETag: '"theirs"' });
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    const { b } = backend();
    await b.read();
    const e = await b
      .handle(STATE)
      .record(CLUSTER)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe(
      'someone else changed the state s3://team-state/web.json since ecsctl read it; it was not overwritten',
    );
    expect(stateWrites()).toHaveLength(1);
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('412 on our own write whose answer was lost: the content is ours, its ETag is taken, the next write goes on', async () => {
    let stored = TEXT;
    let n = 1;
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body(stored), ETag: `"v${n}"` }));
    // The write lands (v2) but its answer is lost; the SDK's retry with If-Match "v1" then meets 412.
    s3Mock
      .on(PutObjectCommand)
      .callsFakeOnce((input: { Body: string }) => {
        stored = input.Body;
        n = 2;
        throw s3Error('PreconditionFailed', 412);
      })
      .callsFake((input: { Body: string; IfMatch: string }) => {
        if (input.IfMatch !== `"v${n}"`) throw s3Error('PreconditionFailed', 412);
        stored = input.Body;
        n += 1;
        return { ETag: `"v${n}"` };
      });
    const { b } = backend();
    const h = b.handle((await b.read())!);
    await h.record(CLUSTER);
    expect(b.etag()).toBe('"v2"');
    await h.record({ logGroup: { name: '/ecs/web' } } as never);
    expect(stateWrites().map((w) => w.IfMatch)).toEqual(['"v1"', '"v2"']);
    expect(JSON.parse(stored)).toMatchObject({ ...CLUSTER, logGroup: { name: '/ecs/web' } });
  });

  it('409 ConditionalRequestConflict with the object unchanged: tried once more; changed: exit 3', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(TEXT), ETag: '"v1"' });
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('ConditionalRequestConflict', 409)).resolves({ ETag: '"v2"' });
    const { b } = backend();
    await b.read();
    await b.write({ ...STATE, ...CLUSTER } as never);
    expect(stateWrites().map((w) => w.IfMatch)).toEqual(['"v1"', '"v1"']);
    expect(b.etag()).toBe('"v2"');

    s3Mock.reset();
    s3Mock.on(GetObjectCommand).resolves({ Body: body(`${TEXT} `), ETag: '"other"' });
    s3Mock.on(PutObjectCommand).rejects(s3Error('ConditionalRequestConflict', 409));
    await expect(b.write(STATE)).rejects.toThrow(/someone else changed the state/);
    expect(stateWrites()).toHaveLength(1);
  });

  it('a record that changes nothing sends nothing (a converged rerun writes no state)', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(TEXT), ETag: '"v1"' });
    const { b } = backend();
    const h = b.handle((await b.read())!);
    await h.record({});
    expect(stateWrites()).toEqual([]);
  });

  it('the object deleted by someone else meanwhile (If-Match answered NoSuchKey): exit 3, nothing recreated', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: body(TEXT), ETag: '"v1"' })
      .rejects(s3Error('NoSuchKey', 404));
    s3Mock.on(PutObjectCommand).rejects(s3Error('NoSuchKey', 404));
    const { b } = backend();
    await b.read();
    await expect(b.write({ ...STATE, ...CLUSTER } as never)).rejects.toThrow(/someone else changed the state/);
    expect(stateWrites()).toHaveLength(1);
  });

  it('no permission to write: exit 3 naming the object', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    const e = await backend()
      .b.write(STATE)
      .catch((x: unknown) => x);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe('no permission to write the state of s3://team-state/web.json');
  });
});

describe('the versioning warning', () => {
  it('is given once per command when versioning is off or suspended, never when it is on', async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"l"' });
    s3Mock.on(GetBucketVersioningCommand).resolves({});
    const off = backend();
    await off.b.lock('ecsctl up');
    await off.b.lock('ecsctl up');
    expect(off.warnings).toHaveLength(1);
    expect(off.warnings[0]).toMatch(
      /^bucket team-state has versioning off: a bad write to s3:\/\/team-state\/web\.json cannot be undone/,
    );
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketVersioningCommand, 1);

    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    const suspended = backend();
    await suspended.b.lock('ecsctl up');
    expect(suspended.warnings).toHaveLength(1);

    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    const on = backend();
    await on.b.lock('ecsctl up');
    expect(on.warnings).toEqual([]);
  });

  it('stays silent when the credentials may not ask (s3:GetBucketVersioning denied)', async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"l"' });
    s3Mock.on(GetBucketVersioningCommand).rejects(s3Error('AccessDenied', 403));
    const { b, warnings } = backend();
    await b.lock('ecsctl up');
    expect(warnings).toEqual([]);
  });
});

describe('the bucket', () => {
  const settings = { userAgent: 'ecsctl/test', region: 'us-east-1' };

  it('that does not exist: exit 3, one line naming it', async () => {
    s3Mock.on(HeadBucketCommand).rejects(s3Error('NotFound', 404));
    const e = await bucketClient(settings, WHERE).catch((x: unknown) => x);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe('state bucket team-state does not exist (s3://team-state/web.json)');
  });

  it('that the credentials may not use: exit 3, one line saying so', async () => {
    s3Mock.on(HeadBucketCommand).rejects(s3Error('Forbidden', 403));
    const e = await bucketClient(settings, WHERE).catch((x: unknown) => x);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe('no permission to use the state bucket team-state (s3://team-state/web.json)');
  });

  it('in another region: the client follows the bucket', async () => {
    s3Mock.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-west-1' });
    const c = await bucketClient(settings, WHERE);
    expect(await c.config.region()).toBe('eu-west-1');
  });
});
