/**
 * Runs named tasks along their dependency graph: every task starts the moment all of its
 * dependencies are done, so independent AWS work overlaps (CreateLoadBalancer goes out in the
 * first seconds of `up` while images build and instances boot).
 *
 * On the first failure, or on SIGINT, no new task starts and the `stop` signal every task gets
 * aborts: each task that is only waiting (a poll interval, a retry delay) stops at once, while a
 * call already sent returns and is recorded; then the run rejects with the first failure. A rerun
 * continues, because every task converges.
 */
import { EcsctlError, InterruptedError, OperationError } from '../errors.js';

export interface Task<Id extends string = string> {
  readonly id: Id;
  readonly title: string;
  readonly deps: readonly Id[];
  /**
   * Order only: the task does not use these tasks' results but starts after them. `up` and `down`
   * hold their first wave back until the load balancer's create or delete has gone out: the
   * longest wait starts first, and on one thread nothing else delays its first calls.
   */
  readonly after?: readonly Id[];
  /**
   * Resolves with what the task did ("created", "unchanged", "skipped: --image given", …). `stop`
   * aborts when another task failed or the command is interrupted: its sleeps should end then.
   */
  readonly run: (update: (detail: string) => void, stop: AbortSignal) => Promise<TaskOutcome>;
}

/** What a task did, typed: the summary decides from `outcome`, never by reading `detail`. */
export interface TaskOutcome<O extends string = string> {
  /** One word from the step it called: "created", "unchanged", "deleted", "absent", "read", … */
  readonly outcome: O;
  /** The progress line's text after it, also `outcomes` in --json: "created, provisioning", … */
  readonly detail: string;
}

/** A task outcome whose detail is its word alone. */
export const outcomeOf = <O extends string>(outcome: O, detail: string = outcome): TaskOutcome<O> => ({
  outcome,
  detail,
});

/** A task as the graph's shape sees it (the dry run has no `run`). */
export type GraphNode<Id extends string> = Pick<Task<Id>, 'id' | 'deps' | 'after'>;

/** What a task waits for before it starts: its dependencies and the tasks it is ordered after. */
const startsAfter = <Id extends string>(t: GraphNode<Id>): readonly Id[] => [...t.deps, ...(t.after ?? [])];

/** `stopped`: it was only waiting when another task failed, and stopped at once. */
export type TaskStatus = 'waiting' | 'running' | 'done' | 'failed' | 'stopped' | 'not started';

/** The reason `stop` carries when a task failed: what the stopped tasks' waits reject with. */
export class StoppedByFailure extends Error {
  constructor(readonly taskId: string) {
    super(`stopped: ${taskId} failed`);
  }
}

export interface TaskEvent {
  readonly id: string;
  readonly title: string;
  readonly status: TaskStatus;
  readonly detail?: string;
  readonly elapsedMs?: number;
}

export interface GraphObserver {
  onChange(event: TaskEvent, all: readonly TaskEvent[]): void;
}

/** A view of the graph's progress that is told when the run is over (the runner draws it). */
export type ProgressView = GraphObserver & { finish(): void };

/** --json shows each task's line of text. */
export const details = (outcomes: Record<string, TaskOutcome>): Record<string, string> =>
  Object.fromEntries(Object.entries(outcomes).map(([id, o]) => [id, o.detail]));

export interface GraphResult {
  readonly outcomes: Record<string, TaskOutcome>;
  readonly events: readonly TaskEvent[];
}

export class GraphError extends Error {
  constructor(
    readonly failures: readonly { id: string; error: unknown }[],
    readonly events: readonly TaskEvent[],
  ) {
    super(failures.map((f) => `${f.id}: ${(f.error as Error)?.message ?? String(f.error)}`).join('; '));
  }
}

/** A task's failure, prefixed with its task, with the exit code and hint of the error it wraps (its `cause`). */
export class TaskFailedError extends EcsctlError {
  readonly exitCode: number;
  constructor(message: string, cause: EcsctlError) {
    super(message, { cause, hint: cause.hint });
    this.exitCode = cause.exitCode;
  }
}

/**
 * What `up`/`down` report when the graph failed: the first failure, keeping its own exit code
 * (2, 4, …) and prefixed with its task; any other failures are named beside it. The caught error
 * is wrapped as `cause`, never changed.
 */
export function firstFailure(e: unknown): unknown {
  if (!(e instanceof GraphError)) return e;
  const [first, ...rest] = e.failures;
  const also = rest.length ? ` (also failed: ${rest.map((f) => f.id).join(', ')})` : '';
  const error = first!.error;
  const message = `${first!.id}: ${(error as Error)?.message ?? String(error)}${also}`;
  if (error instanceof EcsctlError) return new TaskFailedError(message, error);
  return new OperationError(message, { cause: error });
}

/** Checks ids are unique, dependencies exist and there is no cycle; returns a topological order. */
export function validateGraph<Id extends string>(tasks: readonly GraphNode<Id>[]): Id[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  if (byId.size !== tasks.length) throw new Error('internal: duplicate task id');
  const order: Id[] = [];
  const state = new Map<Id, 'visiting' | 'done'>();
  const visit = (id: Id, path: Id[]) => {
    const task = byId.get(id);
    if (!task) throw new Error(`internal: ${path.at(-1)} depends on unknown task ${id}`);
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`internal: dependency cycle ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const dep of startsAfter(task)) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const t of tasks) visit(t.id, []);
  return order;
}

export async function runGraph<Id extends string>(
  tasks: readonly Task<Id>[],
  o: { observer?: GraphObserver; signal?: AbortSignal; now?: () => number } = {},
): Promise<GraphResult> {
  validateGraph(tasks);
  const now = o.now ?? Date.now;
  const events = new Map<Id, TaskEvent>(tasks.map((t) => [t.id, { id: t.id, title: t.title, status: 'waiting' }]));
  const started = new Map<Id, number>();
  const outcomes: Record<string, TaskOutcome> = {};
  const failures: { id: string; error: unknown }[] = [];
  const running = new Map<Id, Promise<void>>();

  const emit = (id: Id, patch: Partial<TaskEvent>) => {
    const next = { ...events.get(id)!, ...patch };
    events.set(id, next);
    o.observer?.onChange(next, [...events.values()]);
  };
  const stopping = () => failures.length > 0 || o.signal?.aborted === true;
  // One signal for every task: aborted by the first failure, or with the command's (Ctrl-C).
  const stop = new AbortController();
  const onInterrupt = () => stop.abort(o.signal!.reason);
  if (o.signal?.aborted) onInterrupt();
  else o.signal?.addEventListener('abort', onInterrupt, { once: true });

  const launch = (task: Task<Id>) => {
    started.set(task.id, now());
    emit(task.id, { status: 'running' });
    const p = task
      .run((detail) => emit(task.id, { detail, elapsedMs: now() - started.get(task.id)! }), stop.signal)
      .then(
        (outcome) => {
          outcomes[task.id] = outcome;
          emit(task.id, { status: 'done', detail: outcome.detail, elapsedMs: now() - started.get(task.id)! });
        },
        (error: unknown) => {
          const elapsedMs = now() - started.get(task.id)!;
          // A wait ended by `stop` (another task failed, or Ctrl-C) is not a failure of its own.
          if (error instanceof StoppedByFailure || (o.signal?.aborted && error === o.signal.reason)) {
            emit(task.id, { status: 'stopped', detail: (error as Error).message, elapsedMs });
            return;
          }
          failures.push({ id: task.id, error });
          if (!stop.signal.aborted) stop.abort(new StoppedByFailure(task.id));
          emit(task.id, { status: 'failed', detail: (error as Error)?.message, elapsedMs });
        },
      )
      .finally(() => running.delete(task.id));
    running.set(task.id, p);
  };

  for (;;) {
    if (!stopping()) {
      for (const task of tasks) {
        if (events.get(task.id)!.status !== 'waiting') continue;
        if (startsAfter(task).every((d) => events.get(d)!.status === 'done')) launch(task);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  o.signal?.removeEventListener('abort', onInterrupt);
  const all = [...events.values()];
  for (const e of all) if (e.status === 'waiting') emit(e.id as Id, { status: 'not started' });
  const finalEvents = [...events.values()];
  if (failures.length > 0) throw new GraphError(failures, finalEvents);
  if (o.signal?.aborted)
    throw new InterruptedError(
      'interrupted: tasks in flight finished and were recorded; run the same command again to continue',
    );
  return { outcomes, events: finalEvents };
}

/** Which tasks would start together: "waves" of the graph, for the dry-run plan. */
export function waves<Id extends string>(tasks: readonly GraphNode<Id>[]): Id[][] {
  validateGraph(tasks);
  const level = new Map<Id, number>();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const depth = (id: Id): number => {
    if (level.has(id)) return level.get(id)!;
    const d = Math.max(-1, ...startsAfter(byId.get(id)!).map(depth)) + 1;
    level.set(id, d);
    return d;
  };
  const out: Id[][] = [];
  for (const t of tasks) (out[depth(t.id)] ??= []).push(t.id);
  return out;
}
