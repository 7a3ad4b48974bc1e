/**
 * The pure parts of `image`: Engine progress streams (in-band errors, build steps, per-layer push
 * progress, the push digest), ECR credentials from a token and their scrubbing, input checks.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { authFromToken, hostOf, scrub } from '../../../src/docker/ecr-auth.js';
import * as inputs from '../../../src/docker/inputs.js';
import {
  buildStep,
  builtImageId,
  errorText,
  followStream,
  LayerProgress,
  parseLine,
  pushResult,
  StreamFailure,
  type ProgressEvent,
} from '../../../src/docker/progress.js';
import { OperationError, UsageError } from '../../../src/errors.js';

/** A stream that sends `chunks` (split anywhere, as sockets do) and ends. */
function streamOf(...chunks: string[]): PassThrough {
  const s = new PassThrough();
  queueMicrotask(() => {
    for (const c of chunks) s.write(c);
    s.end();
  });
  return s;
}

const lines = (...events: object[]) => events.map((e) => `${JSON.stringify(e)}\r\n`).join('');

describe('followStream', () => {
  it("rejects with the builder's own text when an error line arrives inside a 200 stream", async () => {
    const text =
      'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist';
    const seen: ProgressEvent[] = [];
    const p = followStream(
      streamOf(
        lines(
          { stream: 'Step 1/2 : FROM scratch\n' },
          { stream: 'Step 2/2 : COPY missing.txt /x\n' },
          { errorDetail: { message: text }, error: text },
        ),
      ),
      (e) => seen.push(e),
    );
    await expect(p).rejects.toEqual(new StreamFailure(text));
    expect(seen.map(buildStep)).toEqual(['Step 1/2 : FROM scratch', 'Step 2/2 : COPY missing.txt /x', undefined]);
  });

  it("takes the registry's text from a push error line, and the first error when there are several", async () => {
    const p = followStream(
      streamOf(
        lines(
          { status: 'Preparing', id: 'a1b2c3d4e5f6' },
          {
            errorDetail: { message: 'unauthorized: authentication required' },
            error: 'unauthorized: authentication required',
          },
          { error: 'later' },
        ),
      ),
    );
    await expect(p).rejects.toMatchObject({ name: 'StreamFailure', text: 'unauthorized: authentication required' });
  });

  it('reassembles lines split across chunks and tolerates text that is not JSON', async () => {
    const first = lines({ stream: 'Step 1/1 : FROM scratch\n' });
    const last = lines({ aux: { ID: 'sha256:abc' } });
    const events = await followStream(
      streamOf(
        first.slice(0, 7),
        first.slice(7, 30),
        first.slice(30),
        'plain text from a proxy\n',
        last.slice(0, 5),
        last.slice(5),
      ),
    );
    expect(events).toEqual([
      { stream: 'Step 1/1 : FROM scratch\n' },
      { stream: 'plain text from a proxy' },
      { aux: { ID: 'sha256:abc' } },
    ]);
    expect(builtImageId(events)).toBe('sha256:abc');
  });

  it('handles a last line without a newline and rejects on a broken connection', async () => {
    expect(await followStream(streamOf('{"status":"done"}'))).toEqual([{ status: 'done' }]);
    const s = new PassThrough();
    const p = followStream(s);
    s.write(lines({ status: 'Pushing' }));
    s.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(p).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reads errors from either field and parses lines defensively', () => {
    expect(errorText({ error: 'a\nb' })).toBe('a b');
    expect(errorText({ errorDetail: { message: 'detail' }, error: 'short' })).toBe('detail');
    expect(errorText({ errorDetail: {} })).toBe('unknown error');
    expect(errorText({ stream: 'fine' })).toBeUndefined();
    expect(parseLine('  ')).toBeUndefined();
    expect(parseLine('[1,2]')).toEqual({ stream: '[1,2]' });
  });
});

describe('push progress', () => {
  it('folds per-layer events into one line and finds the digest in the aux line', () => {
    const layers = new LayerProgress();
    const events: ProgressEvent[] = [
      { status: 'The push refers to repository [127.0.0.1:5000/web]' },
      { status: 'Preparing', id: 'aaaaaaaaaaaa' },
      { status: 'Preparing', id: 'bbbbbbbbbbbb' },
      { status: 'Pushing', id: 'aaaaaaaaaaaa', progressDetail: { current: 1_200_000, total: 2_000_000 } },
      { status: 'Layer already exists', id: 'bbbbbbbbbbbb' },
    ];
    const summaries = events.map((e) => layers.update(e));
    expect(summaries[0]).toBeUndefined();
    expect(summaries.at(-2)).toBe('2 layers: 1 pushing (1.2/2.0 MB), 1 waiting');
    expect(summaries.at(-1)).toBe('2 layers: 1 already there, 1 pushing (1.2/2.0 MB)');
    expect(layers.update({ status: 'Pushed', id: 'aaaaaaaaaaaa' })).toBe('2 layers: 1 pushed, 1 already there');
    expect(
      new LayerProgress().update({
        status: 'Pushing',
        id: 'cccccccccccc',
        progressDetail: { current: 512, total: 3_000 },
      }),
    ).toBe('1 layer: 1 pushing (1/3 kB)');

    const tail: ProgressEvent[] = [
      { status: 'ctx-1: digest: sha256:d size: 735' },
      { progressDetail: {}, aux: { Tag: 'ctx-1', Digest: 'sha256:d', Size: 735 } },
    ];
    expect(pushResult([...events, ...tail])).toEqual({ tag: 'ctx-1', digest: 'sha256:d', size: 735 });
    expect(pushResult(events)).toBeUndefined();
  });
});

describe('ECR credentials', () => {
  const token = Buffer.from('AWS:123456789012-auth-token').toString('base64');
  const data = {
    authorizationToken: token,
    proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
    expiresAt: new Date(0),
  };

  it("decodes the token into dockerode's authconfig for the ECR host or for --registry", () => {
    expect(authFromToken(data).authconfig).toEqual({
      username: 'AWS',
      password: '123456789012-auth-token',
      serveraddress: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    });
    expect(authFromToken(data, '127.0.0.1:5000').authconfig.serveraddress).toBe('127.0.0.1:5000');
    // A password may itself contain colons: only the first one separates the user.
    const colon = authFromToken({ ...data, authorizationToken: Buffer.from('AWS:a:b:c').toString('base64') });
    expect(colon.authconfig).toMatchObject({ username: 'AWS', password: 'a:b:c' });
    expect(hostOf('https://x.example.com/v2/')).toBe('x.example.com');
  });

  it('refuses a mangled token without quoting it', () => {
    const bad = Buffer.from('no-colon-here-secret').toString('base64');
    let error: unknown;
    try {
      authFromToken({ ...data, authorizationToken: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OperationError);
    expect(String((error as Error).message)).not.toContain(bad);
    expect(String((error as Error).message)).not.toContain('no-colon-here-secret');
    expect(() => authFromToken({ proxyEndpoint: data.proxyEndpoint })).toThrow(OperationError);
  });

  it('scrubs the password, the token and every header encoding of the authconfig', () => {
    const auth = authFromToken(data, '127.0.0.1:5000');
    const header = Buffer.from(JSON.stringify(auth.authconfig))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    const text = `failed: pw=123456789012-auth-token token=${token} X-Registry-Auth: ${header} pair=AWS:123456789012-auth-token`;
    const clean = scrub(text, auth.secrets);
    for (const s of ['123456789012-auth-token', token, header]) expect(clean).not.toContain(s);
    expect(clean).toBe('failed: pw=*** token=*** X-Registry-Auth: *** pair=***');
  });
});

describe('image inputs', () => {
  it('accepts registry addresses and refuses URLs, paths and bad ports (exit 2)', () => {
    for (const ok of [
      '127.0.0.1:5000',
      'localhost:5000',
      'registry.example.com',
      '[::1]:5000',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    ])
      expect(inputs.registryAddress(ok)).toBe(ok);
    for (const bad of ['http://127.0.0.1:5000', '127.0.0.1:5000/x', '127.0.0.1:0', 'h:70000', '', 'a b', '-x:1'])
      expect(() => inputs.registryAddress(bad)).toThrow(UsageError);
  });

  it('checks platforms, paths, networks and build args', () => {
    expect(inputs.platform('linux/arm64/v8')).toBe('linux/arm64/v8');
    expect(() => inputs.platform('amd64')).toThrow(/os\/arch/);
    expect(inputs.urlPath('/info?x=1')).toBe('/info?x=1');
    expect(() => inputs.urlPath('info')).toThrow(UsageError);
    expect(() => inputs.urlPath('/a b')).toThrow(UsageError);
    expect(inputs.network('host')).toBe('host');
    expect(() => inputs.network('none')).toThrow(/host, bridge/);
    expect(inputs.buildArg('A=b=c')).toEqual(['A', 'b=c']);
    expect(inputs.buildArg('EMPTY=')).toEqual(['EMPTY', '']);
    expect(() => inputs.buildArg('NOVALUE')).toThrow(UsageError);
  });
});
