import { hostname } from 'node:os';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/errors.js';
import { acquireS3Lock, describeHolder } from '../../../src/state/s3-lock.js';
import { body, client, s3Error, s3Mock, sentBody, WHERE } from '../helpers/s3.js';

const SSE = { encryption: { ServerSideEncryption: 'AES256' as const } };
const NOW = Date.parse('2026-11-26T06:00:00Z');
const held = (over: Record<string, unknown>) =>
  JSON.stringify({
    user: 'carol',
    host: 'ci-runner-7',
    pid: 4242,
    command: 'ecsctl up',
    since: '2026-11-26T05:55:00Z',
    ...over,
  });
const lockCalls = (cmd: typeof PutObjectCommand | typeof DeleteObjectCommand) =>
  s3Mock.commandCalls(cmd as never).filter((c) => (c.args[0].input as { Key: string }).Key === 'web.json.lock');

beforeEach(() => s3Mock.reset());

describe('acquireS3Lock', () => {
  it('creates KEY.lock with If-None-Match: *, encrypted, naming who holds it', async () => {
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"l1"' });
    const lock = await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW);
    expect(lock.path).toBe('s3://team-state/web.json.lock');
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'team-state',
      Key: 'web.json.lock',
      IfNoneMatch: '*',
      ServerSideEncryption: 'AES256',
    });
    const info = JSON.parse(sentBody(lockCalls(PutObjectCommand)[0]!.args[0].input as never));
    expect(info).toMatchObject({
      host: hostname(),
      pid: process.pid,
      command: 'ecsctl up',
      since: '2026-11-26T06:00:00.000Z',
    });
  });

  it('held by another host: exit 3 naming the holder and how long ago, and the lock is left alone', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).resolves({ Body: body(held({})), ETag: '"theirs"' });
    const e = await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe(
      'state s3://team-state/web.json is locked by carol@ci-runner-7 pid 4242 (ecsctl up, 5 min ago)',
    );
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(lockCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('held by a live process on this host: exit 3 as well', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).resolves({ Body: body(held({ host: hostname(), pid: process.ppid })), ETag: '"x"' });
    await expect(acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW)).rejects.toThrow(
      new RegExp(`locked by carol@${hostname()} pid ${process.ppid}`),
    );
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('left by a dead process on this host: removed (only if unchanged) and taken over', async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({ ETag: '"mine"' });
    s3Mock.on(GetObjectCommand).resolves({ Body: body(held({ host: hostname(), pid: 2 ** 30 })), ETag: '"dead"' });
    s3Mock.on(DeleteObjectCommand).resolves({});
    await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW);
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'web.json.lock', IfMatch: '"dead"' });
    expect(lockCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('our own create whose answer was lost (412 on the retry) counts as taken', async () => {
    let sent = '';
    s3Mock.on(PutObjectCommand).callsFake((input: { Body: string }) => {
      sent = input.Body;
      throw s3Error('PreconditionFailed', 412);
    });
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body(sent), ETag: '"mine"' }));
    const lock = await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW);
    expect(lock.path).toBe('s3://team-state/web.json.lock');
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('release removes the lock only while it is still ours', async () => {
    let sent = '';
    s3Mock.on(PutObjectCommand).callsFake((input: { Body: string }) => ((sent = input.Body), { ETag: '"mine"' }));
    const lock = await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW);
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body(sent), ETag: '"mine"' }));
    await lock.release();
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'web.json.lock', IfMatch: '"mine"' });

    s3Mock.reset();
    s3Mock.on(GetObjectCommand).resolves({ Body: body(held({})), ETag: '"theirs"' });
    await lock.release();
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('no permission: exit 3 saying which permissions are needed', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    const e = await acquireS3Lock(client(), WHERE, 'ecsctl up', SSE, () => NOW).catch((x: unknown) => x);
    expect((e as StateError).exitCode).toBe(3);
    expect((e as Error).message).toBe('no permission to create the lock of s3://team-state/web.json');
  });
});

describe('describeHolder', () => {
  it('says who and how long ago, in seconds, minutes or hours', () => {
    const at = (since: string) => describeHolder(JSON.parse(held({ since })), () => NOW);
    expect(at('2026-11-26T05:59:30Z')).toBe('carol@ci-runner-7 pid 4242 (ecsctl up, 30 s ago)');
    expect(at('2026-11-26T05:00:00Z')).toBe('carol@ci-runner-7 pid 4242 (ecsctl up, 60 min ago)');
    expect(at('2026-11-26T01:00:00Z')).toBe('carol@ci-runner-7 pid 4242 (ecsctl up, 5 h ago)');
    expect(describeHolder(undefined)).toBe('an unreadable lock');
  });
});
