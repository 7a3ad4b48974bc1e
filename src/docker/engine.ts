/**
 * The Docker Engine connection. dockerode is imported here, lazily, so only the image commands
 * pay for loading it. DOCKER_HOST is honoured (unix://, tcp://, npipe://); without it, dockerode
 * looks for /var/run/docker.sock and then ~/.docker/run/docker.sock.
 */
import type Dockerode from 'dockerode';
import { OperationError, UsageError } from '../errors.js';

export type Engine = Dockerode;

/** Where the engine is expected, for messages: DOCKER_HOST or the default socket. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/**
 * DOCKER_HOST needs a scheme. Without one ("/run/user/1000/docker.sock", what some guides print),
 * dockerode reads it as a TCP host and the user sees ECONNREFUSED on localhost. Checked before the
 * state, the engine or any AWS call (exit 2).
 */
export function checkDockerHost(env: NodeJS.ProcessEnv = process.env): void {
  const value = env.DOCKER_HOST;
  if (!value || /^(unix|tcp|npipe|ssh|http|https):\/\//.test(value)) return;
  const fix = value.startsWith('/') ? `unix://${value}` : `tcp://${value}`;
  throw new UsageError(
    `DOCKER_HOST ${JSON.stringify(value)} has no scheme (unix://, tcp://, npipe:// or ssh://); did you mean ${fix}?`,
    { hint: `export DOCKER_HOST=${fix}, or unset DOCKER_HOST to use the default socket.` },
  );
}

const NOT_THERE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * A dockerode client whose engine answered `GET /_ping` within `timeoutMs`. An engine that is not
 * there (no socket, wrong DOCKER_HOST, daemon down, no permission) becomes one OperationError
 * (exit 1) with a hint — never an ECONNREFUSED stack.
 */
export async function connectEngine(options: { timeoutMs?: number } = {}): Promise<Engine> {
  // dockerode reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) from process.env itself.
  const env = process.env;
  checkDockerHost(env);
  const where = engineAddress(env);
  let engine: Engine;
  try {
    const { default: Docker } = await import('dockerode');
    engine = new Docker();
  } catch (e) {
    throw new OperationError(`DOCKER_HOST ${JSON.stringify(env.DOCKER_HOST ?? '')} is not an engine address`, {
      cause: e,
      hint: 'Use unix:///path/to/docker.sock or tcp://HOST:PORT, or unset DOCKER_HOST to use the default socket.',
    });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      engine.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })),
          options.timeoutMs ?? 5_000,
        );
      }),
    ]);
  } catch (e) {
    throw unreachable(where, e);
  } finally {
    clearTimeout(timer);
  }
  return engine;
}

/** The one-line error for an engine that cannot be reached. */
export function unreachable(where: string, e: unknown): OperationError {
  const code = (e as { code?: string } | undefined)?.code;
  if (code === 'EACCES') {
    return new OperationError(`no permission to use the Docker engine at ${where}`, {
      cause: e,
      hint: 'Add your user to the docker group (then log in again), or point DOCKER_HOST at an engine you may use.',
    });
  }
  const why = code && NOT_THERE.has(code) ? code : e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new OperationError(`no Docker engine reachable at ${where} (${why})`, {
    cause: e,
    hint: "Start Docker, or set DOCKER_HOST to a running engine (e.g. unix:///var/run/docker.sock); for this project's tests: bash scripts/engine-up.sh",
  });
}

/** Whether the engine has a default `bridge` network (dockerd --bridge=none has none). */
export async function hasBridgeNetwork(engine: Engine): Promise<boolean> {
  const networks = await engine.listNetworks({ filters: { name: ['bridge'] } });
  return networks.some((n) => n.Name === 'bridge');
}

/** True for an Engine API 404 (no such image, container or network). */
export function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number } | undefined)?.statusCode === 404;
}

/** The Engine's own message from a dockerode error ({json: {message}}), on one line. */
export function engineMessage(e: unknown): string {
  const json = (e as { json?: { message?: string } } | undefined)?.json;
  const text = json?.message ?? (e instanceof Error ? e.message : String(e));
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
