/**
 * Runs the built CLI (bin/ecsctl.js) as a subprocess, as a user would, with a clean
 * environment: dummy credentials, the given endpoint, no inherited AWS profile or state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ecsctl.js', import.meta.url));
export const SECRET_ACCESS_KEY = 'ecsctl-test-secret-key-do-not-print';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  /** AWS endpoint; omitted means none is set. */
  readonly endpoint?: string;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly timeoutMs?: number;
}

export function cliEnv(o: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: o.cwd, // no ~/.aws of the machine leaks in
    AWS_ACCESS_KEY_ID: 'AKIAECSCTLTEST000000',
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
    CI: 'true',
    ...(o.endpoint ? { AWS_ENDPOINT_URL: o.endpoint } : {}),
  };
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function spawnCli(args: readonly string[], o: CliOptions): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: cliEnv(o), stdio: ['pipe', 'pipe', 'pipe'] });
}

export async function runCli(args: readonly string[], o: CliOptions): Promise<CliResult> {
  const child = spawnCli(args, o);
  return collect(child, o);
}

export function collect(child: ChildProcess, o: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin?.end(o.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 110_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
