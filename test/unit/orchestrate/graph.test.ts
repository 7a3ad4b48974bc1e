import { describe, expect, it } from 'vitest';
import {
  firstFailure,
  GraphError,
  outcomeOf,
  runGraph,
  TaskFailedError,
  validateGraph,
  waves,
  type Task,
  type TaskOutcome,
} from '../../../src/orchestrate/graph.js';
import { taskContext } from '../../../src/orchestrate/task-context.js';
import { pollUntil, WAITS } from '../../../src/util/poll.js';
import { testContext } from '../helpers/context.js';
import { InterruptedError, OperationError, WaitTimeoutError } from '../../../src/errors.js';

/** A task that records when it started and finished, and finishes when `release(id)` is called. */
function harness() {
  const log: string[] = [];
  const gates = new Map<string, () => void>();
  const failing = new Set<string>();
  const task = (id: string, deps: string[] = []): Task => ({
    id,
    title: id,
    deps,
    run: () =>
      new Promise<TaskOutcome>((resolve, reject) => {
        log.push(`start ${id}`);
        gates.set(id, () => {
          log.push(`end ${id}`);
          if (failing.has(id)) reject(new Error(`${id} broke`));
          else resolve(outcomeOf('created', 'done'));
        });
      }),
  });
  const release = async (id: string) => {
    for (let i = 0; i < 50 && !gates.has(id); i++) await Promise.resolve();
    gates.get(id)!();
    for (let i = 0; i < 50; i++) await Promise.resolve();
  };
  const tick = async () => {
    for (let i = 0; i < 50; i++) await Promise.resolve();
  };
  return { log, task, release, tick, failing };
}

describe('runGraph', () => {
  it('starts independent tasks together and each task only after all its dependencies', async () => {
    const h = harness();
    const run = runGraph([h.task('lb'), h.task('repo'), h.task('listener', ['lb', 'tg']), h.task('tg')]);
    await h.tick();
    expect(h.log).toEqual(['start lb', 'start repo', 'start tg']);
    await h.release('lb');
    expect(h.log).not.toContain('start listener');
    await h.release('tg');
    expect(h.log.at(-1)).toBe('start listener');
    await h.release('repo');
    await h.release('listener');
    const result = await run;
    const done = outcomeOf('created', 'done');
    expect(result.outcomes).toEqual({ lb: done, repo: done, tg: done, listener: done });
    expect(result.events.find((e) => e.id === 'lb')?.detail).toBe('done');
  });

  it('starts a task ordered `after` another only once that one is done, though it does not depend on it', async () => {
    const h = harness();
    const repo = { ...h.task('repo'), after: ['lb'] };
    const run = runGraph([h.task('sg'), h.task('lb', ['sg']), repo]);
    await h.tick();
    expect(h.log).toEqual(['start sg']);
    await h.release('sg');
    expect(h.log).toEqual(['start sg', 'end sg', 'start lb']);
    await h.release('lb');
    expect(h.log.at(-1)).toBe('start repo');
    await h.release('repo');
    await run;
  });

  it('after a failure starts nothing new but lets running tasks finish, then reports every failure', async () => {
    const h = harness();
    h.failing.add('image');
    const run = runGraph([h.task('image'), h.task('lb'), h.task('service', ['image', 'lb'])]);
    await h.tick();
    await h.release('image');
    expect(h.log).toContain('end image');
    await h.release('lb');
    const error = await run.catch((e) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error.message).toBe('image: image broke');
    expect(h.log).not.toContain('start service');
    expect(error.events.find((e: { id: string }) => e.id === 'service').status).toBe('not started');
    expect(error.events.find((e: { id: string }) => e.id === 'lb').status).toBe('done');
  });

  it('on abort stops starting tasks, waits for in-flight ones and throws InterruptedError', async () => {
    const h = harness();
    const controller = new AbortController();
    const run = runGraph([h.task('a'), h.task('b', ['a'])], { signal: controller.signal });
    await h.tick();
    controller.abort();
    await h.release('a');
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(h.log).toEqual(['start a', 'end a']);
  });
});

describe('a failure stops every wait', () => {
  /**
   * A clock whose sleeps take real (tiny) time and reject at once when their signal aborts, as the
   * runner's do; `up`'s tasks get it through taskContext, exactly as in the command.
   */
  function waitingContext() {
    const { ctx } = testContext();
    let now = 0;
    const sleeps: number[] = [];
    const clocked = {
      ...ctx,
      now: () => now,
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          sleeps.push(ms);
          const timer = setTimeout(() => {
            now += ms;
            resolve();
          }, 1);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        }),
    };
    return { ctx: clocked, sleeps };
  }

  it('aborts the ALB wait the moment RunInstances fails, lets the create in flight finish and record, and reports only the failure', async () => {
    const { ctx, sleeps } = waitingContext();
    let lbReads = 0;
    let readsWhenFailed = -1;
    let releaseCreate: () => void = () => {};
    const createReturned = new Promise<void>((r) => (releaseCreate = r));
    let failed: () => void = () => {};
    const hasFailed = new Promise<void>((r) => (failed = r));
    const tasks: Task[] = [
      {
        // Polls a load balancer that stays `provisioning` for 150 s (thousands of 1 ms sleeps here).
        id: 'lbActive',
        title: 'load balancer active',
        deps: [],
        run: (update, stop) =>
          pollUntil({
            ...taskContext(ctx, update, stop),
            what: 'load balancer web-lb to become active',
            schedule: WAITS.loadBalancerActive,
            read: async () => (++lbReads, 'provisioning'),
            done: (state) => state === 'active',
          }).then(() => outcomeOf('read')),
      },
      {
        // A mutating call in flight when the other task fails: it returns and is recorded.
        id: 'cluster',
        title: 'ECS cluster',
        deps: [],
        run: async (update, stop) => {
          const c = taskContext(ctx, update, stop);
          await createReturned;
          await c.state.record({ cluster: { name: 'web', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/web' } });
          return outcomeOf('created');
        },
      },
      {
        id: 'instances',
        title: 'instances',
        deps: [],
        run: async () => {
          while (lbReads < 3) await new Promise((r) => setTimeout(r, 1)); // a few polls of the ALB go out first
          readsWhenFailed = lbReads;
          failed();
          throw new Error('run instances: VcpuLimitExceeded: You have requested more vCPU capacity');
        },
      },
      {
        id: 'service',
        title: 'service',
        deps: ['lbActive', 'instances', 'cluster'],
        run: async () => outcomeOf('created'),
      },
    ];
    const run = runGraph(tasks).catch((e: unknown) => e);
    await hasFailed;
    await new Promise((r) => setTimeout(r, 20)); // time for a few more polls, were the wait still running
    releaseCreate();
    const error = (await run) as GraphError;

    expect(error).toBeInstanceOf(GraphError);
    // Only the real failure is reported, with its own message.
    expect(error.failures.map((f) => f.id)).toEqual(['instances']);
    expect((firstFailure(error) as Error).message).toBe(
      'instances: run instances: VcpuLimitExceeded: You have requested more vCPU capacity',
    );
    const status = Object.fromEntries(error.events.map((e) => [e.id, e.status]));
    expect(status).toEqual({ lbActive: 'stopped', cluster: 'done', instances: 'failed', service: 'not started' });
    // The wait stopped at once: no read after the failure, far from the 150 s it would have run.
    expect(lbReads).toBe(readsWhenFailed);
    expect(lbReads).toBeLessThan(10);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(150_000);
    expect(ctx.state.current.cluster?.name).toBe('web');
  });

  it('on Ctrl-C stops the waits too, and reports the interruption', async () => {
    const { ctx } = waitingContext();
    const controller = new AbortController();
    const tasks: Task[] = [
      {
        id: 'lbActive',
        title: 'load balancer active',
        deps: [],
        run: (update, stop) =>
          pollUntil({
            ...taskContext(ctx, update, stop),
            what: 'x',
            schedule: WAITS.loadBalancerActive,
            read: async () => 'provisioning',
            done: () => false,
          }).then(() => outcomeOf('read')),
      },
    ];
    const run = runGraph(tasks, { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort(new InterruptedError('interrupted'));
    expect(firstFailure(await run)).toBeInstanceOf(InterruptedError);
  });
});

describe('graph shape', () => {
  const t = (id: string, deps: string[] = []): Task => ({
    id,
    title: id,
    deps,
    run: async () => outcomeOf('unchanged'),
  });
  it('rejects cycles and unknown dependencies, counting `after` orderings as edges', () => {
    expect(() => validateGraph([t('a', ['b']), t('b', ['a'])])).toThrow(/cycle a → b → a/);
    expect(() => validateGraph([t('a', ['x'])])).toThrow(/unknown task x/);
    expect(() => validateGraph([{ ...t('a'), after: ['b'] }, t('b', ['a'])])).toThrow(/cycle/);
    expect(() => validateGraph([{ ...t('a'), after: ['x'] }])).toThrow(/unknown task x/);
  });
  it('puts a task ordered `after` another in a later wave', () => {
    expect(waves([t('net'), { ...t('repo'), after: ['lb'] }, t('lb', ['net'])])).toEqual([['net'], ['lb'], ['repo']]);
  });
  it('groups tasks into waves that could start together', () => {
    expect(waves([t('net'), t('repo'), t('sg', ['net']), t('lb', ['sg']), t('tg', ['net'])])).toEqual([
      ['net', 'repo'],
      ['sg', 'tg'],
      ['lb'],
    ]);
  });
});

describe('firstFailure', () => {
  const failed = (...failures: { id: string; error: unknown }[]) => new GraphError(failures, []);

  it('wraps an ecsctl error with its task as cause, keeping exit code and hint, changing nothing in it', () => {
    const timeout = new WaitTimeoutError('timed out after 900s waiting for the rollout', { hint: 'Rerun.' });
    const e = firstFailure(failed({ id: 'rollout', error: timeout }, { id: 'instances', error: new Error('x') }));
    expect(e).toBeInstanceOf(TaskFailedError);
    expect((e as TaskFailedError).message).toBe(
      'rollout: timed out after 900s waiting for the rollout (also failed: instances)',
    );
    expect((e as TaskFailedError).exitCode).toBe(4);
    expect((e as TaskFailedError).hint).toBe('Rerun.');
    expect((e as TaskFailedError).cause).toBe(timeout);
    expect(timeout.message).toBe('timed out after 900s waiting for the rollout');
  });

  it('turns anything else into an OperationError (exit 1) with the error as cause', () => {
    const boom = new Error('socket hang up');
    const e = firstFailure(failed({ id: 'push', error: boom }));
    expect(e).toBeInstanceOf(OperationError);
    expect((e as OperationError).message).toBe('push: socket hang up');
    expect((e as OperationError).cause).toBe(boom);
  });
});
