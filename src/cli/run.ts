/**
 * The one place where a command's side effects are put together, in the same order for every
 * command: check inputs → (refuse a destructive command without --yes) → lock → read state →
 * build clients → run the step function → print the result → release the lock. It alone writes
 * stdout, and stderr goes through its terminal (so warnings stay above a progress block).
 * Commands that need neither AWS nor a lock (dry runs, `lb probe --url`, `completion`) are
 * `local` specs: the same globals, terminal and printing, without the rest.
 */
import type { LoadingClients, AwsSettings, ServiceName } from '../aws/clients.js';
import { InterruptedError, ResultExit, StateError, UsageError } from '../errors.js';
import { profileRegion, resolveGlobals, type Globals, type RawGlobals } from '../globals.js';
import type { ProgressView } from '../orchestrate/graph.js';
import { acquireLock, type Lock } from '../state/lock.js';
import { emptyState, type State } from '../state/schema.js';
import { fileBackend, type StateBackend } from '../state/backend.js';
import { isS3Url } from '../state/location.js';
import type { OpenS3Options } from '../state/open-s3.js';
import { fileStateHandle, readState, type StateHandle } from '../state/store.js';
import type { StepContext } from '../steps/context.js';
import { progressObserver } from '../ui/progress.js';
import { consoleReporter, isInteractive, type Reporter } from '../ui/reporter.js';
import { terminal, type Terminal } from '../ui/terminal.js';
import { VERSION } from '../version.js';
import { askYesNo, pollScale, sleep } from './run-helpers.js';

/** What the runner lends a command besides the step context. */
export interface RunIo {
  readonly terminal: Terminal;
  readonly report: Reporter;
  /** A progress view of a task graph, drawn through the terminal. */
  progress(): ProgressView;
}

interface SpecBase<R> {
  /** "repo create": for the lock file and messages. */
  readonly command: string;
  /** Human-readable result for stdout; `--json` prints `R` as JSON instead. */
  readonly render?: (result: R) => string;
  /** The step writes stdout itself as it goes (`logs`: a line, or with --json an NDJSON object, per event). */
  readonly streamsOutput?: boolean;
  /** The result is a document in its own format (a completion script): printed as rendered, even with --json. */
  readonly plainText?: boolean;
  /** The exit code the printed result asks for (`up --dry-run --detailed-exitcode`: 5 with changes); default 0. */
  readonly exitCode?: (result: R) => number;
}

export interface AwsCommandSpec<R> extends SpecBase<R> {
  /** The AWS services the step functions call. */
  readonly services: readonly ServiceName[];
  /** Takes the state lock (anything that may create, change or delete). */
  readonly mutates: boolean;
  /** Deletes things: needs --yes, or a "y" at a terminal prompt. */
  readonly destructive?: boolean;
  /** What the prompt asks; defaults to "<command> for stack <name>?" */
  readonly confirm?: (state: State) => string;
  /** May start a new stack (then --name is required when the state has none). */
  readonly createsStack?: boolean;
  /** Works without a stack (doctor): no --name needed; the state, if any, gives the region. */
  readonly stackOptional?: boolean;
  readonly run: (ctx: StepContext, globals: Globals, io: RunIo) => Promise<R>;
  /**
   * Answers from the state alone, before the region, clients or any AWS call, when it returns a
   * result for the state as read (`up --dry-run` with nothing recorded: the create plan).
   */
  readonly offline?: (existing: State | undefined, globals: Globals) => Promise<R> | undefined;
  /**
   * Start before every client is loaded: the command's tasks await their own clients through
   * `ctx.awsReady` (up and down, whose first tasks need only some services).
   */
  readonly clientsPerTask?: boolean;
}

/** No lock, no clients, no state unless the command reads it itself. */
export interface LocalCommandSpec<R> extends SpecBase<R> {
  readonly local: (globals: Globals, io: RunIo) => Promise<R>;
}

export type CommandSpec<R> = AwsCommandSpec<R> | LocalCommandSpec<R>;

/** Everything the runner touches outside itself; tests pass fakes (see test/unit/cli/run.test.ts). */
export interface RunnerDeps {
  readonly stdout: { write(text: string): unknown };
  readonly terminal: (interactive: boolean) => Terminal;
  readonly isInteractive: (json: boolean) => boolean;
  readonly stdinIsTTY: () => boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly lock: (path: string, owner: string) => Promise<Lock>;
  readonly readState: (path: string) => Promise<State | undefined>;
  readonly stateHandle: (path: string, initial: State) => StateHandle;
  readonly startClients: (settings: AwsSettings, services: readonly ServiceName[]) => Promise<LoadingClients>;
  readonly profileRegion: (profile: string | undefined) => Promise<string | undefined>;
  readonly confirm: (question: string) => Promise<boolean>;
  /** An s3:// --state (loaded only then: the S3 SDK costs time to import). */
  readonly s3Backend: (globals: Globals, options: OpenS3Options) => Promise<StateBackend>;
}

export const processDeps: RunnerDeps = {
  stdout: process.stdout,
  terminal: (interactive) => terminal({ interactive }),
  isInteractive,
  stdinIsTTY: () => process.stdin.isTTY === true,
  env: process.env,
  lock: acquireLock,
  readState,
  stateHandle: fileStateHandle,
  startClients: async (settings, services) => (await import('../aws/clients.js')).startClients(settings, services),
  profileRegion,
  confirm: askYesNo,
  s3Backend: async (globals, options) => (await import('../state/open-s3.js')).openS3Backend(globals, options),
};

/** The backend behind --state: the local file (default) or an S3 object. */
export async function stateBackend(globals: Globals, deps: RunnerDeps, term: Terminal): Promise<StateBackend> {
  if (!isS3Url(globals.statePath)) return fileBackend(globals.statePath, deps);
  return deps.s3Backend(globals, {
    warn: (m) => term.line(`! ${m}`),
    ...(globals.verbose ? { log: (line: string) => term.line(line) } : {}),
    userAgent: `ecsctl/${VERSION}`,
  });
}

export async function runCommand<R>(
  raw: RawGlobals,
  spec: CommandSpec<R>,
  deps: RunnerDeps = processDeps,
): Promise<void> {
  const globals = resolveGlobals(raw, deps.env);
  const interactive = deps.isInteractive(globals.json);
  const term = deps.terminal(interactive);
  const io: RunIo = {
    terminal: term,
    report: consoleReporter({ interactive, terminal: term }),
    progress: () => progressObserver({ terminal: term }),
  };
  const print = (result: R) => {
    printResult(result);
    const code = spec.exitCode?.(result) ?? 0;
    if (code !== 0) throw new ResultExit(code);
  };
  const printResult = (result: R) => {
    if (spec.streamsOutput) return;
    if (globals.json && !spec.plainText) deps.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
    else if (spec.render) {
      const text = spec.render(result);
      if (text) deps.stdout.write(text.endsWith('\n') || spec.plainText ? text : `${text}\n`);
    }
  };
  if ('local' in spec) return print(await spec.local(globals, io));

  if (spec.destructive && !globals.yes && !deps.stdinIsTTY()) {
    throw new UsageError(`${spec.command} deletes resources and stdin is not a terminal to confirm`, {
      hint: 'Re-run with --yes.',
    });
  }
  let lock: Lock | undefined;
  try {
    const backend = await stateBackend(globals, deps, term);
    if (spec.mutates) lock = await backend.lock(`ecsctl ${spec.command}`);
    const existing = await backend.read();
    const offline = spec.offline?.(existing, globals);
    if (offline) return print(await offline);
    const initial = await initialState(existing, globals, spec, deps);
    if (spec.destructive && !globals.yes) {
      const question = spec.confirm?.(initial) ?? `${spec.command} for stack ${initial.name}?`;
      if (!(await deps.confirm(question))) throw new InterruptedError('cancelled: nothing was deleted');
    }

    const loading = await deps.startClients(
      {
        region: initial.region,
        profile: globals.profile,
        endpoint: globals.endpoint,
        verbose: globals.verbose,
        log: (line) => term.line(line),
        userAgent: `ecsctl/${VERSION}`,
      },
      spec.services,
    );
    if (!spec.clientsPerTask) await loading.ready(spec.services);
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130); // Second Ctrl-C: stop now.
      // A read-only command (`logs --follow`, `status`) has nothing to finish or record: it just ends.
      if (spec.mutates)
        term.line('\ninterrupted: finishing calls in flight and recording them (Ctrl-C again to stop at once)');
      controller.abort(new InterruptedError('interrupted'));
    };
    process.on('SIGINT', onSigint);
    try {
      const scale = pollScale(deps.env);
      const ctx: StepContext = {
        aws: loading.aws,
        report: io.report,
        // A state file appears on disk only when a step records something.
        state: backend.handle(initial),
        sleep: (ms, signal) => sleep(ms * scale, signal ? [controller.signal, signal] : [controller.signal]),
        now: Date.now,
        scale,
        signal: controller.signal,
        ...(spec.clientsPerTask ? { awsReady: loading.ready } : {}),
      };
      print(await spec.run(ctx, globals, io));
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await lock?.release();
  }
}

async function initialState(
  existing: State | undefined,
  globals: Globals,
  spec: { readonly createsStack?: boolean; readonly stackOptional?: boolean },
  deps: RunnerDeps,
): Promise<State> {
  if (existing) {
    if (globals.name && globals.name !== existing.name) {
      throw new StateError(`state file ${globals.statePath} holds stack ${existing.name}, not ${globals.name}`, {
        hint: 'Use --state to choose another file for another stack.',
      });
    }
    if (globals.explicitRegion && globals.explicitRegion !== existing.region) {
      throw new StateError(
        `state file ${globals.statePath} is for region ${existing.region}, not ${globals.explicitRegion}`,
        {
          hint: `Drop --region (the state's region is used) or use --state for a stack in ${globals.explicitRegion}.`,
        },
      );
    }
    return existing;
  }
  const region = globals.explicitRegion ?? (await deps.profileRegion(globals.profile));
  if (!region) {
    throw new UsageError('no AWS Region: pass --region, set AWS_REGION, or set a region in your AWS profile');
  }
  if (!globals.name && spec.stackOptional) return emptyState('none', region); // never recorded
  if (!globals.name) {
    throw new UsageError(
      spec.createsStack
        ? `no stack name: pass --name (state file ${globals.statePath} does not exist yet)`
        : `no stack in ${globals.statePath}`,
      {
        hint: spec.createsStack
          ? 'For example: --name web.'
          : 'Run `ecsctl up --name NAME` or a create command with --name first, or pass --state.',
      },
    );
  }
  return emptyState(globals.name, region);
}
