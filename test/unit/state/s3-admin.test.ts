import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../../src/errors.js';
import { migrateState, unlockState } from '../../../src/state/admin.js';
import type { StateBackend } from '../../../src/state/backend.js';
import { s3Backend } from '../../../src/state/s3-backend.js';
import { emptyState } from '../../../src/state/schema.js';
import { body, client, s3Error, s3Mock, WHERE } from '../helpers/s3.js';

const LOCAL = {
  ...emptyState('web', 'us-east-1'),
  cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:1:cluster/web' },
};
const local: StateBackend = {
  location: './ecsctl.state.json',
  lock: async () => ({ path: 'x', release: async () => undefined }),
  read: async () => LOCAL as never,
  handle: () => {
    throw new Error('migrate never writes the local state');
  },
};
const target = () => s3Backend(client(), WHERE, { warn: () => undefined });
const keysPut = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3Mock.on(DeleteObjectCommand).resolves({});
});

describe('state migrate', () => {
  it('copies the local state to a new object under the lock, with If-None-Match: *, then unlocks', async () => {
    let lockBody = '';
    s3Mock.on(PutObjectCommand, { Key: 'web.json.lock' }).callsFake((i: { Body: string }) => ((lockBody = i.Body), {}));
    s3Mock.on(PutObjectCommand, { Key: 'web.json' }).resolves({ ETag: '"v1"' });
    s3Mock.on(GetObjectCommand, { Key: 'web.json' }).rejects(s3Error('NoSuchKey', 404));
    s3Mock.on(GetObjectCommand, { Key: 'web.json.lock' }).callsFake(() => ({ Body: body(lockBody), ETag: '"l"' }));
    const r = await migrateState(local, target(), false);
    expect(r).toEqual({ from: './ecsctl.state.json', to: 's3://team-state/web.json', stack: 'web' });
    expect(keysPut()).toEqual(['web.json.lock', 'web.json']);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'web.json', IfNoneMatch: '*' });
    expect(JSON.parse(String(s3Mock.commandCalls(PutObjectCommand)[1]!.args[0].input.Body))).toEqual(LOCAL);
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'web.json.lock' });
  });

  it('refuses an existing object without --force: exit 3, nothing written, the lock released', async () => {
    let lockBody = '';
    s3Mock.on(PutObjectCommand, { Key: 'web.json.lock' }).callsFake((i: { Body: string }) => ((lockBody = i.Body), {}));
    s3Mock.on(GetObjectCommand, { Key: 'web.json.lock' }).callsFake(() => ({ Body: body(lockBody), ETag: '"l"' }));
    const theirs = JSON.stringify(emptyState('api', 'us-east-1'));
    s3Mock.on(GetObjectCommand, { Key: 'web.json' }).resolves({ Body: body(theirs), ETag: '"v7"' });
    const e = await migrateState(local, target(), false).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StateError);
    expect((e as Error).message).toBe('s3://team-state/web.json already exists (stack api); nothing was written');
    expect(keysPut()).toEqual(['web.json.lock']);
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'web.json.lock' });

    s3Mock.on(PutObjectCommand, { Key: 'web.json' }).resolves({ ETag: '"v8"' });
    await migrateState(local, target(), true);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'web.json', IfMatch: '"v7"' });
  });
});

describe('state unlock', () => {
  it('shows the holder, then removes exactly that lock (If-Match)', async () => {
    const info = {
      user: 'carol',
      host: 'ci-runner-7',
      pid: 4242,
      command: 'ecsctl up',
      since: new Date().toISOString(),
    };
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: body(JSON.stringify(info)), ETag: '"l1"' })
      .rejects(s3Error('NoSuchKey', 404));
    const shown: string[] = [];
    const r = await unlockState(target(), async (holder) => (shown.push(holder), true));
    expect(shown[0]).toMatch(/^carol@ci-runner-7 pid 4242 \(ecsctl up, \d+ s ago\)$/);
    expect(r).toMatchObject({ unlocked: true, holder: { pid: 4242 } });
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'web.json.lock', IfMatch: '"l1"' });
  });

  it('removes nothing when the answer is no', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body('{"pid":1,"host":"h","command":"c","since":""}'), ETag: '"l1"' });
    await expect(unlockState(target(), async () => false)).rejects.toThrow(/the lock was left in place/);
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
  });
});
