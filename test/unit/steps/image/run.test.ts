/**
 * image run with a scripted engine: the network chosen, the wait for the first answer (on the
 * injected clock), an app that dies before answering, and the container always force-removed.
 * Also: an unreachable engine is one clear error, not a stack.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectEngine, type Engine } from '../../../../src/docker/engine.js';
import { OperationError } from '../../../../src/errors.js';
import { demux, runImage } from '../../../../src/steps/image/run.js';
import { freePort } from '../../../harness/moto.js';
import { testContext } from '../../helpers/context.js';

const REPO = {
  name: 'web',
  uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web',
  arn: 'arn:aws:ecr:us-east-1:123456789012:repository/web',
};

function fakeEngine(o: { bridge?: boolean; running?: boolean; exitCode?: number; logs?: string } = {}) {
  const calls = { create: [] as Record<string, unknown>[], removed: [] as object[] };
  const container = {
    start: async () => undefined,
    inspect: async () => ({ State: { Running: o.running ?? true, ExitCode: o.exitCode ?? 0 } }),
    logs: async () => frames(o.logs ?? ''),
    remove: async (opts: object) => void calls.removed.push(opts),
  };
  const engine = {
    getImage: () => ({ inspect: async () => ({}) }),
    listNetworks: async () => (o.bridge ? [{ Name: 'bridge' }] : []),
    createContainer: async (spec: Record<string, unknown>) => {
      calls.create.push(spec);
      return container;
    },
  };
  return { provider: async () => engine as unknown as Engine, calls };
}

/** Docker's multiplexed log format: a 65-byte line has an 'A' (0x41) in its header. */
function frames(text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

afterEach(() => vi.unstubAllGlobals());

describe('runImage', () => {
  it('uses the host network when the engine has no bridge, polls until the app answers, then force-removes it', async () => {
    const port = await freePort();
    let attempts = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        if (++attempts < 3) throw new TypeError('fetch failed'); // not listening yet
        return new Response('vm\n', { status: 200 });
      }),
    );
    const { ctx, sleeps } = testContext({ repository: REPO });
    const { provider, calls } = fakeEngine({ bridge: false });
    const r = await runImage(ctx, provider, { tag: 'v1', port, path: '/info', timeoutMs: 30_000 });
    expect(r).toMatchObject({ network: 'host', status: 200, body: 'vm\n', url: `http://127.0.0.1:${port}/info` });
    expect(calls.create[0]).toMatchObject({
      Image: `${REPO.uri}:v1`,
      Env: [`PORT=${port}`],
      HostConfig: { NetworkMode: 'host' },
    });
    expect((calls.create[0]!.HostConfig as { PortBindings?: unknown }).PortBindings).toBeUndefined();
    expect(sleeps).toEqual([50, 100]);
    expect(calls.removed).toEqual([{ force: true }]);
  });

  it('publishes the port on loopback only with a bridge network', async () => {
    const port = await freePort();
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('ok', { status: 200 })),
    );
    const { provider, calls } = fakeEngine({ bridge: true });
    await runImage(testContext({ repository: REPO }).ctx, provider, { tag: 'v1', port, path: '/', timeoutMs: 5_000 });
    expect(calls.create[0]!.HostConfig).toEqual({
      NetworkMode: 'bridge',
      PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
    });
  });

  it('fails with the exit code and the last log lines when the app dies before answering, and still removes it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('fetch failed');
      }),
    );
    const { provider, calls } = fakeEngine({ running: false, exitCode: 2, logs: "sh: can't open start.sh\n" });
    const error = await runImage(testContext({ repository: REPO }).ctx, provider, {
      tag: 'v1',
      port: await freePort(),
      path: '/',
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toBe(
      `${REPO.uri}:v1 exited with code 2 before answering: sh: can't open start.sh`,
    );
    expect(calls.removed).toEqual([{ force: true }]);
    const long = 'x'.repeat(65);
    expect(demux(frames(long)).toString()).toBe(long);
    expect(demux(Buffer.from('tty output')).toString()).toBe('tty output');
  });

  it('fails on an HTTP error answer and refuses a port something else already serves', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('not found', { status: 404 })),
    );
    const bad = await runImage(testContext({ repository: REPO }).ctx, fakeEngine().provider, {
      tag: 'v1',
      port: await freePort(),
      path: '/nope',
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/answered HTTP 404: not found/);

    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const { provider, calls } = fakeEngine();
    const busy = await runImage(testContext({ repository: REPO }).ctx, provider, {
      tag: 'v1',
      port,
      path: '/',
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    server.close();
    expect((busy as Error).message).toBe(`port ${port} on 127.0.0.1 is already in use`);
    expect(calls.create).toEqual([]);
  });
});

describe('connectEngine', () => {
  it('turns a missing socket into one line with a hint (exit 1), not an ENOENT stack', async () => {
    vi.stubEnv('DOCKER_HOST', 'unix:///nonexistent');
    try {
      const error = await connectEngine().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationError);
      expect((error as OperationError).exitCode).toBe(1);
      expect((error as Error).message).toBe('no Docker engine reachable at unix:///nonexistent (ENOENT)');
      expect((error as OperationError).hint).toMatch(/set DOCKER_HOST/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
