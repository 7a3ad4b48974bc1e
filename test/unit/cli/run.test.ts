import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  InterruptedError,
  OperationError,
  ResultExit,
  UsageError,
  type EcsctlError,
} from '../../../src/errors.js';
import { runCommand, type CommandSpec, type RunnerDeps } from '../../../src/cli/run.js';
import { emptyState, type State } from '../../../src/state/schema.js';
import { memoryStateHandle } from '../../../src/state/store.js';
import { terminal } from '../../../src/ui/terminal.js';
import type { Clients } from '../../../src/aws/clients.js';
import { parseS3Url } from '../../../src/state/location.js';
import { s3Backend } from '../../../src/state/s3-backend.js';
import { body, client, s3Error, s3Mock } from '../helpers/s3.js';

/** A runner with an in-memory state file, no AWS and stdout/stderr captured; `events` is the order things happened in. */
function fakeRunner(o: { state?: State; tty?: boolean; answer?: boolean } = {}) {
  const events: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stored = o.state;
  const deps: RunnerDeps = {
    stdout: { write: (t: string) => stdout.push(t) },
    terminal: (interactive) => terminal({ interactive, stream: { write: (t: string) => stderr.push(t) } as never }),
    isInteractive: () => false,
    stdinIsTTY: () => o.tty === true,
    env: {},
    lock: async (path, owner) => {
      events.push(`lock ${path} (${owner})`);
      return { path, release: async () => void events.push('unlock') };
    },
    readState: async () => {
      events.push('read state');
      return stored;
    },
    stateHandle: (_path, initial) => {
      const handle = memoryStateHandle(initial);
      return {
        get current() {
          return handle.current;
        },
        record: async (patch) => (stored = await handle.record(patch)),
      };
    },
    startClients: async (settings, services) => {
      events.push(`clients ${settings.region} ${services.join(',')}`);
      return { aws: {} as Clients, ready: async () => undefined };
    },
    profileRegion: async () => undefined,
    confirm: async (question) => {
      events.push(`ask ${question}`);
      return o.answer === true;
    },
    s3Backend: async (globals) => {
      events.push(`s3 ${globals.statePath}`);
      return s3Backend(client(), parseS3Url(globals.statePath, '--state'), { warn: () => undefined });
    },
  };
  const exitOf = (e: unknown) => (e as EcsctlError).exitCode ?? ExitCode.Failed;
  return { deps, events, stdout, stderr, stored: () => stored, exitOf };
}

const spec = (over: Partial<CommandSpec<{ ok: boolean }>> = {}): CommandSpec<{ ok: boolean }> => ({
  command: 'thing create',
  services: ['ecs'],
  mutates: true,
  createsStack: true,
  run: async (ctx) => {
    await ctx.state.record({ cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } });
    return { ok: true };
  },
  render: (r) => `ok: ${r.ok}`,
  ...over,
});

describe('runCommand', () => {
  it('locks, reads the state, builds clients, runs, prints, then unlocks, in that order', async () => {
    const r = fakeRunner();
    await runCommand({ name: 'web', region: 'us-east-1', state: 's.json' }, spec(), r.deps);
    expect(r.events).toEqual(['lock s.json (ecsctl thing create)', 'read state', 'clients us-east-1 ecs', 'unlock']);
    expect(r.stdout).toEqual(['ok: true\n']);
    expect(r.stored()?.cluster?.name).toBe('web');
  });

  it('prints exactly one JSON document with --json and nothing else on stdout', async () => {
    const r = fakeRunner();
    await runCommand({ name: 'web', region: 'us-east-1', json: true }, spec(), r.deps);
    expect(r.stdout).toHaveLength(1);
    expect(JSON.parse(r.stdout[0]!)).toEqual({ ok: true });
  });

  it('rejects bad globals with exit 2 before the lock or the state', async () => {
    const r = fakeRunner();
    const e = await runCommand({ name: 'Bad Name', region: 'us-east-1' }, spec(), r.deps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect(r.exitOf(e)).toBe(2);
    expect(r.events).toEqual([]);
  });

  it('refuses a destructive command without --yes when stdin is not a terminal, before the lock', async () => {
    const r = fakeRunner({ state: emptyState('web', 'us-east-1') });
    const e = await runCommand({}, spec({ destructive: true }), r.deps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).message).toBe('thing create deletes resources and stdin is not a terminal to confirm');
    expect(r.events).toEqual([]);
  });

  it('asks at a terminal and stops with exit 130, unlocked, when the answer is no', async () => {
    const r = fakeRunner({ state: emptyState('web', 'us-east-1'), tty: true, answer: false });
    const e = await runCommand({}, spec({ destructive: true }), r.deps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InterruptedError);
    expect(r.exitOf(e)).toBe(130);
    expect(r.events).toEqual([
      'lock ./ecsctl.state.json (ecsctl thing create)',
      'read state',
      'ask thing create for stack web?',
      'unlock',
    ]);
    expect(r.stdout).toEqual([]);
  });

  it('exits 3 on a state file of another stack, and 2 with no name for a new stack', async () => {
    const other = fakeRunner({ state: emptyState('api', 'us-east-1') });
    const e1 = await runCommand({ name: 'web' }, spec(), other.deps).catch((x: unknown) => x);
    expect(other.exitOf(e1)).toBe(3);
    expect(other.events.at(-1)).toBe('unlock');
    const none = fakeRunner();
    const e2 = await runCommand({ region: 'us-east-1' }, spec(), none.deps).catch((x: unknown) => x);
    expect(none.exitOf(e2)).toBe(2);
    expect((e2 as Error).message).toMatch(/no stack name: pass --name/);
  });

  it("keeps a failing step's exit code, prints nothing and still unlocks", async () => {
    const r = fakeRunner();
    const failing = spec({
      run: async () => {
        throw new OperationError('CreateCluster failed');
      },
    });
    const e = await runCommand({ name: 'web', region: 'us-east-1' }, failing, r.deps).catch((x: unknown) => x);
    expect(r.exitOf(e)).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.events.at(-1)).toBe('unlock');
  });

  it('takes no lock for a read-only command', async () => {
    const r = fakeRunner({ state: emptyState('web', 'us-east-1') });
    await runCommand({}, spec({ mutates: false }), r.deps);
    expect(r.events).toEqual(['read state', 'clients us-east-1 ecs']);
  });

  it('runs a local command (dry run, probe --url, completion) with no lock, state or clients', async () => {
    const r = fakeRunner();
    await runCommand({ json: true }, { command: 'x --dry-run', local: async () => ({ dryRun: true }) }, r.deps);
    expect(r.events).toEqual([]);
    expect(JSON.parse(r.stdout.join(''))).toEqual({ dryRun: true });
  });

  it('prints the result, then exits with the code the result asks for (a plan with changes: 5), lock released', async () => {
    const r = fakeRunner({ state: emptyState('web', 'us-east-1') });
    const planned = spec({ mutates: false, run: async () => ({ ok: false }), exitCode: (x) => (x.ok ? 0 : 5) });
    const error = await runCommand({ json: true }, planned, r.deps).catch((e: unknown) => e);
    expect(r.exitOf(error)).toBe(ExitCode.Changes);
    expect(error).toBeInstanceOf(ResultExit);
    expect(JSON.parse(r.stdout.join(''))).toEqual({ ok: false });
    const fine = fakeRunner({ state: emptyState('web', 'us-east-1') });
    await runCommand({}, spec({ exitCode: () => 0, render: () => 'ok' }), fine.deps);
    expect(fine.events.at(-1)).toBe('unlock');
  });

  it('answers offline from the state as read (a dry run of a new stack): no region, no clients, no AWS', async () => {
    const r = fakeRunner();
    const offline = spec({
      mutates: false,
      offline: (existing) => (existing ? undefined : Promise.resolve({ ok: true })),
      render: () => 'planned',
    });
    await runCommand({}, offline, r.deps);
    expect(r.events).toEqual(['read state']);
    expect(r.stdout.join('')).toBe('planned\n');
    const recorded = fakeRunner({ state: emptyState('web', 'us-east-1') });
    await runCommand({}, offline, recorded.deps);
    expect(recorded.events).toContain('clients us-east-1 ecs');
  });

  it('prints a plain-text result as it is, even with --json', async () => {
    const r = fakeRunner();
    const script = 'complete -c ecsctl\n';
    await runCommand(
      { json: true },
      { command: 'completion', local: async () => script, render: (s) => s, plainText: true },
      r.deps,
    );
    expect(r.stdout).toEqual([script]);
  });

  it('sends warnings to stderr, never to stdout', async () => {
    const r = fakeRunner();
    const warning = spec({
      run: async (ctx) => {
        ctx.report.warn('log group /ecs/web is not ours');
        return { ok: true };
      },
    });
    await runCommand({ name: 'web', region: 'us-east-1', json: true }, warning, r.deps);
    expect(r.stderr.join('')).toBe('! log group /ecs/web is not ours\n');
    expect(JSON.parse(r.stdout.join(''))).toEqual({ ok: true });
  });
});

describe('runCommand with an s3:// state', () => {
  const URL = 's3://team-state/web.json';
  /** S3 that keeps the lock object and the state in memory, honouring If-None-Match / If-Match. */
  function memoryS3() {
    const objects = new Map<string, { text: string; etag: string }>();
    let n = 0;
    s3Mock.reset();
    s3Mock
      .on(PutObjectCommand)
      .callsFake((i: { Key: string; Body: string; IfNoneMatch?: string; IfMatch?: string }) => {
        const now = objects.get(i.Key);
        if ((i.IfNoneMatch === '*' && now) || (i.IfMatch !== undefined && now?.etag !== i.IfMatch))
          throw s3Error('PreconditionFailed', 412);
        const etag = `"e${++n}"`;
        objects.set(i.Key, { text: i.Body, etag });
        return { ETag: etag };
      });
    s3Mock.on(GetObjectCommand).callsFake((i: { Key: string }) => {
      const now = objects.get(i.Key);
      if (!now) throw s3Error('NoSuchKey', 404);
      return { Body: body(now.text), ETag: now.etag };
    });
    s3Mock.on(DeleteObjectCommand).callsFake((i: { Key: string }) => void objects.delete(i.Key));
    s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    return objects;
  }

  it('locks, reads and records through S3, and removes the lock at the end', async () => {
    const objects = memoryS3();
    const r = fakeRunner();
    await runCommand({ name: 'web', region: 'us-east-1', state: URL }, spec(), r.deps);
    expect(r.events).toEqual([`s3 ${URL}`, 'clients us-east-1 ecs']);
    expect(JSON.parse(objects.get('web.json')!.text).cluster.name).toBe('web');
    expect(objects.has('web.json.lock')).toBe(false);
  });

  it('removes the lock when the step fails', async () => {
    const objects = memoryS3();
    const r = fakeRunner();
    const failing = spec({
      run: async () => {
        expect(objects.has('web.json.lock')).toBe(true);
        throw new OperationError('CreateCluster failed');
      },
    });
    const e = await runCommand({ name: 'web', region: 'us-east-1', state: URL }, failing, r.deps).catch((x) => x);
    expect(r.exitOf(e)).toBe(1);
    expect(objects.has('web.json.lock')).toBe(false);
  });

  it('removes the lock on Ctrl-C (exit 130), after recording what the step had', async () => {
    const objects = memoryS3();
    const r = fakeRunner();
    const interrupted = spec({
      run: async (ctx) => {
        await ctx.state.record({ cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } });
        const stopped = new Promise((_, reject) =>
          ctx.signal!.addEventListener('abort', () => reject(ctx.signal!.reason as Error)),
        );
        // Ctrl-C as the runner hears it: its own SIGINT listener (the last one added), and no other.
        (process.listeners('SIGINT').at(-1) as () => void)();
        return stopped as Promise<{ ok: boolean }>;
      },
    });
    const e = await runCommand({ name: 'web', region: 'us-east-1', state: URL }, interrupted, r.deps).catch((x) => x);
    expect(e).toBeInstanceOf(InterruptedError);
    expect(r.exitOf(e)).toBe(130);
    expect(objects.has('web.json.lock')).toBe(false);
    expect(JSON.parse(objects.get('web.json')!.text).cluster.name).toBe('web');
  });

  it('a state someone else changed mid-run: exit 3, their object kept, the lock removed', async () => {
    const objects = memoryS3();
    const r = fakeRunner();
    const raced = spec({
      run: async (ctx) => {
        objects.set('web.json', { text: 'theirs', etag: '"theirs"' });
        await ctx.state.record({ cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } });
        return { ok: true };
      },
    });
    const e = await runCommand({ name: 'web', region: 'us-east-1', state: URL }, raced, r.deps).catch((x) => x);
    expect(r.exitOf(e)).toBe(3);
    expect(objects.get('web.json')!.text).toBe('theirs');
    expect(objects.has('web.json.lock')).toBe(false);
  });
});
