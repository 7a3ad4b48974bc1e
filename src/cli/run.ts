/**
 * The one place where a command's side effects are put together, in the same order for every
 * command: check inputs → (refuse a destructive command without --yes) → lock → read state →
 * build clients → run the step function → print the result → release the lock.
 */
import { createInterface } from 'node:readline/promises';
import type { ServiceName } from '../aws/clients.js';
import { InterruptedError, StateError, UsageError } from '../errors.js';
import { acquireLock, type Lock } from '../state/lock.js';
import { emptyState, type State } from '../state/schema.js';
import { fileStateHandle, readState } from '../state/store.js';
import type { StepContext } from '../steps/context.js';
import { consoleReporter, isInteractive } from '../ui/reporter.js';
import { profileRegion, resolveGlobals, type Globals, type RawGlobals } from './globals.js';
import { VERSION } from '../version.js';

export interface CommandSpec<R> {
  /** "repo create": for the lock file and messages. */
  readonly command: string;
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
  readonly run: (ctx: StepContext, globals: Globals) => Promise<R>;
  /**
   * Start before every client is loaded: the command's tasks await their own clients through
   * `ctx.awsReady` (up and down, whose first tasks need only some services).
   */
  readonly clientsPerTask?: boolean;
  /** Human-readable result for stdout; `--json` prints `R` as JSON instead. */
  readonly render?: (result: R) => string;
  /** The step writes stdout itself as it goes (`logs`: a line, or with --json an NDJSON object, per event). */
  readonly streamsOutput?: boolean;
}

export async function runCommand<R>(raw: RawGlobals, spec: CommandSpec<R>): Promise<void> {
  const globals = resolveGlobals(raw);
  if (spec.destructive && !globals.yes && !process.stdin.isTTY) {
    throw new UsageError(`${spec.command} deletes resources and stdin is not a terminal to confirm`, {
      hint: 'Re-run with --yes.',
    });
  }
  let lock: Lock | undefined;
  try {
    if (spec.mutates) lock = await acquireLock(globals.statePath, `ecsctl ${spec.command}`);
    const existing = await readState(globals.statePath);
    const initial = await initialState(existing, globals, spec);
    if (spec.destructive && !globals.yes)
      await confirm(spec.confirm?.(initial) ?? `${spec.command} for stack ${initial.name}?`);

    const { startClients } = await import('../aws/clients.js');
    const loading = startClients(
      {
        region: initial.region,
        profile: globals.profile,
        endpoint: globals.endpoint,
        verbose: globals.verbose,
        userAgent: `ecsctl/${VERSION}`,
      },
      spec.services,
    );
    if (!spec.clientsPerTask) await loading.ready(spec.services);
    const aws = loading.aws;
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130); // Second Ctrl-C: stop now.
      process.stderr.write(
        '\ninterrupted: finishing calls in flight and recording them (Ctrl-C again to stop at once)\n',
      );
      controller.abort(new InterruptedError('interrupted'));
    };
    process.on('SIGINT', onSigint);
    try {
      const scale = pollScale();
      const ctx: StepContext = {
        aws,
        report: consoleReporter({ interactive: isInteractive(globals.json) }),
        // A state file appears on disk only when a step records something.
        state: fileStateHandle(globals.statePath, initial),
        sleep: (ms) => sleep(ms * scale, controller.signal),
        now: Date.now,
        signal: controller.signal,
        ...(spec.clientsPerTask ? { awsReady: loading.ready } : {}),
      };
      const result = await spec.run(ctx, globals);
      if (spec.streamsOutput) return;
      if (globals.json) process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
      else if (spec.render) {
        const text = spec.render(result);
        if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
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
  spec: { readonly createsStack?: boolean },
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
  const region = globals.explicitRegion ?? (await profileRegion(globals.profile));
  if (!region) {
    throw new UsageError('no AWS Region: pass --region, set AWS_REGION, or set a region in your AWS profile');
  }
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

async function confirm(question: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new InterruptedError('cancelled: nothing was deleted');
  } finally {
    rl.close();
  }
}

/**
 * ECSCTL_POLL_SCALE multiplies every sleep (poll intervals, retry backoff). The time-scaled
 * benchmark runs AWS delays at 1:20 and sets 0.05 so polling keeps the same proportions.
 */
function pollScale(): number {
  const value = Number(process.env.ECSCTL_POLL_SCALE ?? '1');
  return Number.isFinite(value) && value > 0 ? value : 1;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
