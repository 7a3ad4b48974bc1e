/**
 * One-off tasks (`ecsctl run -- CMD`): RunTask of the stack's task definition on its cluster with
 * the command overridden, placed the way the service places its tasks (its capacity provider
 * strategy, else the EC2 launch type), marked `startedBy ecsctl/<stack>`. Without --detach it
 * streams the task's CloudWatch logs until the task stops and maps the outcome to an exit code:
 * the container's own, 1 when the task never started, 4 on timeout, 130 when interrupted.
 */
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type CapacityProviderStrategyItem,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { asOperationError } from '../../aws/errors.js';
import { ecsTags } from '../../aws/tags.js';
import {
  ContainerExitError,
  InterruptedError,
  missingStep,
  OperationError,
  UsageError,
  WaitTimeoutError,
} from '../../errors.js';
import type { State } from '../../state/schema.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import { capacityProviderStrategy } from '../capacity/mode.js';
import { logSource, readLogs, type LogEventView } from '../logs/logs.js';
import { findService } from '../service/config.js';

export interface RunTaskInput {
  /** The command and its arguments, as given after `--`. */
  readonly command: readonly string[];
  /** Default: the recorded task definition's container (the first one). */
  readonly container?: string;
  readonly detach: boolean;
  readonly timeoutMs: number;
  /** Where each log event goes while waiting (the command writes stdout). */
  readonly print?: (event: LogEventView) => void;
  /** Asked after Ctrl-C: true stops the task; absent or false leaves it running. */
  readonly askToStop?: (taskId: string) => Promise<boolean>;
}

export interface RunTaskResult {
  readonly taskArn: string;
  readonly taskId: string;
  readonly container: string;
  readonly detached: boolean;
  readonly exitCode?: number;
  readonly stoppedReason?: string;
}

/** ECS allows 36 letters, digits, `-`, `/`, `_` in startedBy; stack names have at most 28. */
export const startedByOf = (stack: string): string => `ecsctl/${stack}`;
/** A task definition's overrides may hold at most 8192 characters of JSON (RunTask API reference). */
const MAX_OVERRIDES = 8192;

export const taskIdOf = (arn: string): string => arn.split('/').at(-1) ?? arn;

/** The launch the service uses: its capacity provider strategy, the recorded capacity provider, else EC2. */
export function placementFor(
  state: State,
  serviceStrategy: readonly CapacityProviderStrategyItem[] | undefined,
): Pick<RunTaskCommandInput, 'launchType' | 'capacityProviderStrategy'> {
  if (serviceStrategy && serviceStrategy.length > 0) return { capacityProviderStrategy: [...serviceStrategy] };
  // In asg mode the stack's capacity provider is recorded; moto drops the service's strategy from
  // DescribeServices, so the state is the second source.
  const recorded = capacityProviderStrategy(state);
  if (recorded) return { capacityProviderStrategy: recorded };
  return { launchType: 'EC2' };
}

/**
 * What a stopped task means for the exit code: the container's exit code when it ran; a task
 * that never started (or whose container never ran) is exit 1 with ECS's stoppedReason.
 */
export function exitOf(task: Task, container: string): { code: number; started: boolean; message: string } {
  const id = taskIdOf(task.taskArn ?? '');
  const c = task.containers?.find((x) => x.name === container) ?? task.containers?.[0];
  const reason = [task.stoppedReason, c?.reason].filter((x) => x && x.length > 0).join('; ');
  if (task.stopCode === 'TaskFailedToStart' || c?.exitCode === undefined || c.exitCode === null) {
    return { code: 1, started: false, message: `task ${id} never started: ${reason || 'ECS gave no reason'}` };
  }
  if (c.exitCode === 0)
    return { code: 0, started: true, message: `task ${id}: container ${c.name} exited with code 0` };
  return {
    code: c.exitCode,
    started: true,
    message: `task ${id}: container ${c.name} exited with code ${c.exitCode}${reason ? ` (${reason})` : ''}`,
  };
}

/** RunTask with the override; the task ARN is recorded the moment RunTask returns. */
export async function startOneOffTask(
  ctx: StepContext,
  input: Pick<RunTaskInput, 'command' | 'container'>,
): Promise<{ task: Task; container: string }> {
  if (input.command.length === 0)
    throw new UsageError('ecsctl run needs a command after --, e.g. ecsctl run -- npm run migrate');
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const td = state.taskDefinition;
  if (!td) throw missingStep('task definition', 'taskdef register');
  const container = input.container ?? td.containerName;
  const overrides = { containerOverrides: [{ name: container, command: [...input.command] }] };
  if (JSON.stringify(overrides).length > MAX_OVERRIDES)
    throw new UsageError(`the command is too long: ECS takes at most ${MAX_OVERRIDES} characters of overrides`);
  if (input.container) await assertContainer(ctx, td.arn, input.container);

  const service = await findService(ctx.aws.ecs, cluster, state.service?.name ?? stackOf(ctx));
  const request: RunTaskCommandInput = {
    cluster,
    taskDefinition: td.arn,
    count: 1,
    ...placementFor(state, service?.service.capacityProviderStrategy),
    startedBy: startedByOf(stackOf(ctx)),
    overrides,
    tags: ecsTags(stackOf(ctx)),
    enableECSManagedTags: true,
  };
  let out;
  try {
    out = await ctx.aws.ecs.send(new RunTaskCommand(request));
  } catch (e) {
    throw asOperationError(`run a task of ${td.family}:${td.revision} on cluster ${cluster}`, e);
  }
  const task = out.tasks?.[0];
  if (!task?.taskArn) {
    const failure = out.failures?.[0];
    throw new OperationError(
      `the task never started: ${failure ? `${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}` : 'ECS placed no task'}`,
      {
        hint: 'RESOURCE:MEMORY or RESOURCE:CPU means no container instance has room; scale the service down or add instances.',
      },
    );
  }
  await ctx.state.record({ lastRun: { taskArn: task.taskArn } });
  return { task, container };
}

async function assertContainer(ctx: StepContext, taskDefinitionArn: string, name: string): Promise<void> {
  let names: string[];
  try {
    const out = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
    names = (out.taskDefinition?.containerDefinitions ?? []).map((c) => c.name!);
  } catch (e) {
    throw asOperationError(`describe task definition ${taskDefinitionArn}`, e);
  }
  if (!names.includes(name))
    throw new UsageError(
      `--container ${name}: the task definition has no such container (it has: ${names.join(', ')})`,
    );
}

export async function describeTask(ctx: StepContext, cluster: string, taskArn: string): Promise<Task> {
  let task: Task | undefined;
  try {
    const out = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    task = out.tasks?.[0];
  } catch (e) {
    throw asOperationError(`describe task ${taskIdOf(taskArn)}`, e);
  }
  // ECS keeps a stopped task visible for at least an hour; one that is gone has long stopped.
  if (!task) throw new OperationError(`task ${taskIdOf(taskArn)} is no longer known to ECS`);
  return task;
}

/**
 * Starts the task; with `detach`, returns at once. Otherwise streams its logs (when it logs to
 * CloudWatch) until it stops and returns, or throws: ContainerExitError (its exit code), an
 * OperationError (never started), WaitTimeoutError (4, the task keeps running), InterruptedError
 * (130, after asking whether to stop it).
 */
export async function runOneOffTask(ctx: StepContext, input: RunTaskInput): Promise<RunTaskResult> {
  const { task, container } = await startOneOffTask(ctx, input);
  const taskArn = task.taskArn!;
  const taskId = taskIdOf(taskArn);
  const cluster = ctx.state.current.cluster!.name;
  if (input.detach) return { taskArn, taskId, container, detached: true };
  ctx.report.info(
    `task ${taskId} started (${ctx.state.current.taskDefinition!.family}:${ctx.state.current.taskDefinition!.revision}, container ${container}); waiting for it to stop`,
  );

  const started = ctx.now();
  let last: Task = task;
  const stopped = async (): Promise<boolean> => {
    last = await describeTask(ctx, cluster, taskArn);
    if (last.lastStatus === 'STOPPED') return true;
    if (ctx.now() - started >= input.timeoutMs)
      throw new WaitTimeoutError(
        `timed out after ${formatElapsed(input.timeoutMs)} waiting for task ${taskId} to stop (it is ${last.lastStatus}); it keeps running`,
        {
          hint: `Follow it with \`ecsctl logs --follow --task ${taskId.slice(0, 8)}\`, or rerun with a longer --timeout`,
        },
      );
    return false;
  };
  try {
    if (await logsAvailable(ctx)) {
      await readLogs(ctx, { sinceMs: 60_000, task: taskId, container, follow: true, until: stopped }, (e) =>
        input.print?.(e),
      );
    } else {
      await pollUntil({
        sleep: ctx.sleep,
        now: ctx.now,
        what: `task ${taskId} to stop`,
        read: stopped,
        done: (x) => x,
        schedule: WAITS.taskStopped,
        timeoutMs: Number.MAX_SAFE_INTEGER,
      });
    }
  } catch (e) {
    if (e instanceof InterruptedError || ctx.signal?.aborted) {
      const stop = (await input.askToStop?.(taskId)) ?? false;
      if (stop) {
        await stopOneOffTask(ctx, cluster, taskArn);
        throw new InterruptedError(`interrupted: task ${taskId} was asked to stop`);
      }
      throw new InterruptedError(`interrupted: task ${taskId} keeps running`, {
        hint: `Follow it with \`ecsctl logs --follow --task ${taskId.slice(0, 8)}\``,
      });
    }
    throw e;
  }
  const exit = exitOf(last, container);
  if (exit.code === 0)
    return { taskArn, taskId, container, detached: false, exitCode: 0, stoppedReason: last.stoppedReason };
  if (!exit.started) throw new OperationError(exit.message);
  throw new ContainerExitError(exit.message, exit.code);
}

export async function stopOneOffTask(ctx: StepContext, cluster: string, taskArn: string): Promise<void> {
  try {
    await ctx.aws.ecs.send(
      new StopTaskCommand({ cluster, task: taskArn, reason: 'Stopped by ecsctl run after Ctrl-C' }),
    );
  } catch (e) {
    throw asOperationError(`stop task ${taskIdOf(taskArn)}`, e);
  }
}

/** Whether the task definition logs to CloudWatch (with --no-logs it does not: then the run only waits). */
async function logsAvailable(ctx: StepContext): Promise<boolean> {
  try {
    await logSource(ctx);
    return true;
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.report.info('the task definition sends no logs to CloudWatch: waiting without showing output');
      return false;
    }
    throw e;
  }
}
