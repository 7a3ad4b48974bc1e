/**
 * The walkthrough's local check (`docker run -p 8080:8080 …` then `curl localhost:8080/info`):
 * start the built image, wait until it answers on the port, return the answer, and remove the
 * container whatever happens — with force, because an app whose PID 1 ignores SIGTERM (busybox
 * httpd does) would hold a `docker stop` for its full 10 s.
 */
import { createConnection } from 'node:net';
import { OperationError } from '../../errors.js';
import { engineMessage, hasBridgeNetwork, type Engine } from '../../docker/engine.js';
import type { NetworkMode } from '../../docker/inputs.js';
import { pollUntil, WAITS } from '../../util/poll.js';
import { clockOf, stackOf, type StepContext } from '../context.js';
import { repositoryOf, type EngineProvider } from './image.js';
import { findLocalImage, type LocalImageInput } from './local.js';

export interface RunInput extends LocalImageInput {
  /** The port the app listens on (passed as $PORT) and that is probed on 127.0.0.1. */
  readonly port: number;
  readonly path: string;
  /** Undefined: host when the engine has no bridge network (dockerd --bridge=none), else bridge. */
  readonly network?: NetworkMode;
  readonly timeoutMs: number;
}

export interface RunResult {
  readonly image: string;
  readonly network: NetworkMode;
  readonly url: string;
  readonly status: number;
  readonly body: string;
  /** From container start to the first answer. */
  readonly secondsToAnswer: number;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Runs the image until it answers GET <path>, then removes it. Fails (exit 1) if it exits first. */
export async function runImage(ctx: StepContext, engine: EngineProvider, input: RunInput): Promise<RunResult> {
  const repo = repositoryOf(ctx.state.current);
  const docker = await engine();
  const { ref: image, platform } = await findLocalImage(ctx, docker, repo.uri, input);
  await warnForeignPlatform(ctx, docker, image, platform);
  const network = input.network ?? ((await hasBridgeNetwork(docker)) ? 'bridge' : 'host');
  // Something already answering there would be mistaken for the container.
  if (await listening(input.port)) {
    throw new OperationError(`port ${input.port} on 127.0.0.1 is already in use`, {
      hint: 'Pass another --port (the app gets it as $PORT).',
    });
  }
  const url = `http://127.0.0.1:${input.port}${input.path}`;
  const portKey = `${input.port}/tcp`;
  const container = await docker
    .createContainer({
      Image: image,
      Env: [`PORT=${input.port}`],
      Labels: { 'io.ecsctl.stack': stackOf(ctx), 'io.ecsctl.purpose': 'image-run' },
      ExposedPorts: { [portKey]: {} },
      HostConfig: {
        NetworkMode: network,
        // Published on loopback only: a local check, not a server for the network.
        ...(network === 'bridge'
          ? { PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(input.port) }] } }
          : {}),
      },
    })
    .catch((e: unknown) => {
      throw new OperationError(`create a container from ${image}: ${engineMessage(e)}`, { cause: e });
    });
  try {
    await container.start().catch((e: unknown) => {
      throw new OperationError(`start ${image}: ${engineMessage(e)}`, { cause: e });
    });
    const started = ctx.now();
    const answer = await ctx.report.step(`run ${image} (network ${network}) and GET ${url}`, () =>
      pollUntil<Answer | undefined>({
        what: `${image} to answer on ${url}`,
        // A local process, not AWS: short intervals keep the check about as fast as curl.
        schedule: WAITS.localContainer,
        timeoutMs: input.timeoutMs,
        ...clockOf(ctx),
        read: async () => (await get(url)) ?? (await exitedEarly(container, image)),
        done: (a) => a !== undefined,
        hint: 'Check that the app listens on $PORT (or on --port) and that --path exists.',
      }),
    );
    if (answer!.status >= 400) {
      throw new OperationError(
        `${url} answered HTTP ${answer!.status}: ${answer!.body.replace(/\s+/g, ' ').slice(0, 200)}`,
        { hint: 'Pass the --path your app serves.' },
      );
    }
    return {
      image,
      network,
      url,
      status: answer!.status,
      body: answer!.body,
      secondsToAnswer: Math.round((ctx.now() - started) / 10) / 100,
    };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function get(url: string): Promise<Answer | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined; // not listening yet
  }
}

/** Undefined while the container runs; throws with its exit code and last log lines once it stopped. */
async function exitedEarly(container: ReturnType<Engine['getContainer']>, image: string): Promise<undefined> {
  const info = await container.inspect();
  if (info.State.Running) return undefined;
  const logs = (await container.logs({ stdout: true, stderr: true, tail: 5 }).catch(() => Buffer.alloc(0))) as Buffer;
  const text = demux(logs)
    .toString('utf8')
    .trim()
    .replace(/\s*\n\s*/g, ' | ');
  throw new OperationError(
    `${image} exited with code ${info.State.ExitCode} before answering${text ? `: ${text}` : ''}`,
  );
}

/** Log output of a container without a TTY comes in frames: [stream, 0, 0, 0, size(4 bytes BE)] + data. */
export function demux(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length && buf[at]! <= 2 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 0) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === 0 ? buf : Buffer.concat([...parts, buf.subarray(at)]);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * An image built for the instances (say arm64, for t4g.small) may not run on this machine; Docker
 * Desktop emulates other platforms, a plain engine does not. Said up front, not as "exec format error".
 */
async function warnForeignPlatform(ctx: StepContext, docker: Engine, image: string, platform: string): Promise<void> {
  let here: string | undefined;
  try {
    const v = await docker.version();
    here = `${v.Os}/${v.Arch}`;
  } catch {
    return; // an engine that does not say is not worth failing the local check for
  }
  if (here && !platform.startsWith(here)) {
    ctx.report.warn(
      `${image} is ${platform} and this engine is ${here}: it runs here only if the engine emulates ${platform}`,
    );
  }
}
