/**
 * The strict proxy's S3 rules (test/harness/strict/s3.ts): each triggers on what it models and
 * stops; through the proxy the real S3 client reads each answer as the exception a real account
 * gives; and the proxies name S3's REST operations.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { s3Operation } from '../../harness/proxy.js';
import {
  s3AccessDenied,
  s3ConditionalConflict,
  s3SlowDown,
  startStrictProxy,
  type Rule,
  type StrictCall,
  type StrictProxy,
} from '../../harness/strict/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const put = (params: Record<string, unknown>) =>
  ({
    service: 'S3',
    operation: 'PutObject',
    params: { Bucket: 'b', Key: 'k', ...params },
    region: 'us-east-1',
    body: '',
  }) as StrictCall;
const answers = (r: Rule, c: StrictCall, now = 0) => r.before?.(c, now)?.kind === 'respond';

describe('S3 rules trigger, and stop', () => {
  it('s3-conditional-write-conflict: a second conditional write while one is in flight; none after it answered', () => {
    const r = s3ConditionalConflict();
    const first = put({ IfMatch: '"e1"' });
    expect(answers(r, first)).toBe(false); // forwarded: now in flight
    expect(answers(r, put({ IfNoneMatch: '*' }))).toBe(true);
    expect(answers(r, put({}))).toBe(false); // unconditional writes are not conflicts
    r.after!(first, 200, '', 1);
    expect(answers(r, put({ IfMatch: '"e2"' }), 2)).toBe(false);
    expect(r.fired).toBe(1);
  });

  it('s3-conditional-write-conflict: a write another rule answered never reached S3, so it is not in flight', () => {
    const r = s3ConditionalConflict();
    const slowed = put({ IfMatch: '"e1"' });
    expect(answers(r, slowed)).toBe(false);
    slowed.answeredBy = 's3-slow-down';
    expect(answers(r, put({ IfMatch: '"e1"' }))).toBe(false);
  });

  it('s3-conditional-write-conflict: `times` forces that many with no second writer', () => {
    const r = s3ConditionalConflict({ times: 1 });
    expect(answers(r, put({ IfMatch: '"e1"' }))).toBe(true);
    expect(answers(r, put({ IfMatch: '"e1"' }))).toBe(false);
  });

  it('s3-slow-down: a seeded share of S3 calls, never four in a row, none elsewhere', () => {
    const run = () => {
      const r = s3SlowDown({ rate: 0.5, seed: 3 });
      return Array.from({ length: 40 }, (_, i) => answers(r, put({}), i));
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(5);
    expect(first.join(',')).not.toContain('true,true,true,true');
    expect(answers(s3SlowDown({ rate: 1 }), { ...put({}), service: 'ECS' })).toBe(false);
  });

  it('s3-access-denied: only its bucket, only the operations named; off when switched off', () => {
    const r = s3AccessDenied('b', ['PutObject']);
    expect(answers(r, put({}))).toBe(true);
    expect(answers(r, { ...put({}), operation: 'HeadBucket' })).toBe(false);
    expect(answers(r, put({ Bucket: 'other' }))).toBe(false);
    r.enabled = false;
    expect(answers(r, put({}))).toBe(false);
  });
});

describe('S3 operations are named from the REST request', () => {
  it.each([
    ['HEAD', '/b', 'HeadBucket'],
    ['GET', '/b?versioning', 'GetBucketVersioning'],
    ['GET', '/b/web.json?x-id=GetObject', 'GetObject'],
    ['GET', '/b/web.json', 'GetObject'],
    ['PUT', '/b/web.json.lock', 'PutObject'],
    ['PUT', '/b', 'CreateBucket'],
    ['DELETE', '/b/web.json.lock', 'DeleteObject'],
  ])('%s %s is %s', (method, url, op) => {
    expect(s3Operation(method, url, {})).toBe(op);
  });
});

describe('on the wire, the S3 client reads what real S3 answers', () => {
  let upstream: Server;
  let proxy: StrictProxy;
  let s3: S3Client;
  beforeAll(async () => {
    upstream = createServer((_q, s) => void s.writeHead(599).end());
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const { port } = upstream.address() as { port: number };
    proxy = await startStrictProxy(`http://127.0.0.1:${port}`, [
      s3ConditionalConflict({ times: 1 }),
      s3AccessDenied('denied-bucket'),
      s3SlowDown({ rate: 1, times: 1 }),
    ]);
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
  });

  const failure = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => undefined,
      (x: unknown) => x,
    )) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode };
  };

  it('ConditionalRequestConflict (409), AccessDenied (403, and a bodiless 403 on HEAD), SlowDown (503)', async () => {
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x', IfMatch: '"e"' })))).toEqual({
      name: 'ConditionalRequestConflict',
      message: 'A conflicting conditional operation is currently in progress against this resource. Please try again.',
      status: 409,
    });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'denied-bucket', Key: 'k' })))).toEqual({
      name: 'AccessDenied',
      message: 'Access Denied',
      status: 403,
    });
    expect((await failure(s3.send(new HeadBucketCommand({ Bucket: 'denied-bucket' })))).status).toBe(403);
    expect(await failure(s3.send(new GetBucketVersioningCommand({ Bucket: 'b' })))).toEqual({
      name: 'SlowDown',
      message: 'Please reduce your request rate.',
      status: 503,
    });
    expect(proxy.calls.map((c) => `${c.operation} ${c.answeredBy}`)).toEqual([
      'PutObject s3-conditional-write-conflict',
      'GetObject s3-access-denied',
      'HeadBucket s3-access-denied',
      'GetBucketVersioning s3-slow-down',
    ]);
  });
});
