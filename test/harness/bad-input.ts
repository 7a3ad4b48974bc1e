/**
 * The check every bad-input case gets: the documented exit code, exactly one stderr line matching
 * the message, no stack trace, not one request at the recording endpoint, the state file
 * byte-identical (or still absent) and no lock left behind.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { startProxy, type Proxy } from './proxy.js';

export interface BadInputCase {
  readonly why: string;
  readonly args: string[];
  readonly code: 2 | 3;
  readonly message: RegExp;
  /** Contents of ecsctl.state.json before the run; undefined = no file. */
  readonly state?: string;
  readonly env?: Record<string, string | undefined>;
  /** Files to write into the working directory first (which also has empty `adir/` and `ctx/`). */
  readonly files?: Record<string, string>;
}

/** An endpoint that counts requests and answers each with 500, so nothing could succeed either. */
export function startRecorder(): Promise<Proxy> {
  return startProxy('http://127.0.0.1:9', () => ({ kind: 'respond', status: 500, body: '{}' }));
}

export async function expectRejectedBeforeAnyCall(c: BadInputCase, recorder: Proxy): Promise<void> {
  const cwd = await mkdtemp(join(tmpdir(), 'ecsctl-bad-'));
  await mkdir(join(cwd, 'adir'));
  await mkdir(join(cwd, 'ctx'));
  for (const [name, text] of Object.entries(c.files ?? {})) await writeFile(join(cwd, name), text);
  const statePath = join(cwd, 'ecsctl.state.json');
  if (c.state !== undefined) await writeFile(statePath, c.state, { mode: 0o600 });
  const before = recorder.calls.length;

  const result = await runCli(c.args, { cwd, endpoint: recorder.endpoint, env: c.env });

  expect(result.code, result.stderr).toBe(c.code);
  const lines = result.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(c.message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(recorder.calls.length - before).toBe(0);
  if (c.state === undefined) expect(existsSync(statePath)).toBe(false);
  else expect(await readFile(statePath, 'utf8')).toBe(c.state);
  expect(existsSync(`${statePath}.lock`)).toBe(false);
}
