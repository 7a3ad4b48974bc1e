/**
 * The honest wait for a service rollout. The SDK's ServicesStable waiter only checks
 * `deployments.length == 1 && runningCount == desiredCount`, so it calls a circuit-breaker
 * rollback a success and never looks at the load balancer. This wait is done only when the
 * deployment we started is PRIMARY and COMPLETED, running equals desired, no other deployment
 * is left, and every registered (non-draining) target is healthy. A FAILED or replaced
 * deployment is a failure whose message says why: the rollout reason, the service events and
 * the stopped tasks' reasons.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Deployment,
  type Service,
  type ServiceEvent,
  type Task,
} from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { OperationError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { WAIT_TIMEOUT_MS } from '../../settings/defaults.js';
import type { StepContext } from '../context.js';
import type { WaitOptions } from '../outcome.js';
import { shortTaskDefinition } from '../taskdef/resolve.js';
import { clockOf } from '../context.js';
import { summarize, targetHealth, targetsReady, type RolloutStatus } from './rollout-status.js';

/** Where a wait starts: the deployment our call started and the events that existed before it. */
export interface RolloutRef {
  readonly cluster: string;
  readonly service: string;
  /** The PRIMARY deployment right after our create/update; absent means "whatever is PRIMARY". */
  readonly deploymentId?: string;
  /** Events already there before our call: never printed again. */
  readonly seenEventIds: readonly string[];
}

interface Snapshot {
  readonly status: RolloutStatus;
  readonly done: boolean;
  readonly failure?: string;
  readonly fresh: ServiceEvent[];
  readonly stopped: Task[];
}

/**
 * Polls every 2–5 s until the rollout is finished (returns its last status), failed (throws
 * OperationError, exit 1) or the timeout passed (throws WaitTimeoutError, exit 4). Prints only
 * events that are new since the call that started the rollout, and each stopped task's reason once.
 */
export async function waitForRollout(
  ctx: StepContext,
  ref: RolloutRef,
  options: WaitOptions = {},
): Promise<RolloutStatus> {
  const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
  const seenEvents = new Set(ref.seenEventIds);
  const seenTasks = new Set<string>();
  const reasons = new Map<string, number>();
  const newEvents: ServiceEvent[] = [];
  let lastFailed = 0;
  let last: Snapshot | undefined;

  const collectStopped = async (deploymentId: string | undefined): Promise<Task[]> => {
    const tasks = (await stoppedTasks(ctx, ref, deploymentId)).filter((t) => !seenTasks.has(t.taskArn!));
    for (const t of tasks) {
      seenTasks.add(t.taskArn!);
      const r = taskReason(t);
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    return tasks;
  };

  const read = async (): Promise<Snapshot> => {
    const service = await describe(ctx, ref);
    const targets = await targetHealth(ctx, service);
    const ours = ref.deploymentId ? service.deployments?.find((d) => d.id === ref.deploymentId) : primaryOf(service);
    const status = summarize(service, ours, targets);
    const fresh = (service.events ?? []).filter((e) => !seenEvents.has(eventKey(e))).sort(byCreatedAt);
    for (const e of fresh) seenEvents.add(eventKey(e));
    newEvents.push(...fresh);
    const failure = failureOf(ref, service, ours);
    let stopped: Task[] = [];
    if (status.failedTasks > lastFailed || failure) {
      lastFailed = status.failedTasks;
      stopped = await collectStopped(ours?.id ?? ref.deploymentId);
    }
    const done =
      !failure &&
      ours?.status === 'PRIMARY' &&
      (ours.rolloutState ?? 'COMPLETED') === 'COMPLETED' &&
      status.running === status.desired &&
      status.deployments === 1 &&
      targetsReady(targets, status.desired);
    last = { status, done, failure, fresh, stopped };
    return last;
  };

  try {
    const final = await ctx.report.step(`waiting for service ${ref.service} to finish its rollout`, (update) =>
      pollUntil({
        ...clockOf(ctx),
        what: `service ${ref.service} to finish its rollout`,
        read,
        done: (s) => {
          if (s.failure) throw new OperationError(failureMessage(ref, s.failure, reasons, newEvents));
          return s.done;
        },
        onPoll: (s) => {
          for (const e of s.fresh) ctx.report.info(`event: ${e.message}`);
          for (const t of s.stopped) ctx.report.info(`task stopped: ${taskReason(t)}`);
          update(s.status.line);
        },
        schedule: options.schedule ?? WAITS.rollout,
        timeoutMs,
      }),
    );
    return final.status;
  } catch (e) {
    if (!(e instanceof WaitTimeoutError) || !last) throw e;
    // Say why it is stuck, not only that it is: the stopped tasks' reasons, if any appeared.
    await collectStopped(ref.deploymentId).catch(() => []);
    throw new WaitTimeoutError(
      `timed out after ${formatElapsed(timeoutMs)} waiting for service ${ref.service} to finish its rollout: ${last.status.line}${reasonsText(reasons)}`,
      {
        hint: 'ECS keeps trying in the background; watch it with `ecsctl service show`, or rerun with a longer --wait-timeout',
        // moto starts no task: it reports MOTO_ECS_SERVICE_RUNNING tasks, or none, for every service.
        emulatorHint:
          'moto places no tasks: start it with MOTO_ECS_SERVICE_RUNNING set to the --desired-count (bash scripts/playground.sh start sets 4), and keep the scheduler stand-in running for target health',
      },
    );
  }
}

async function describe(ctx: StepContext, ref: RolloutRef): Promise<Service> {
  let service: Service | undefined;
  try {
    service = (await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] })))
      .services?.[0];
  } catch (e) {
    if (!isAwsError(e, 'ClusterNotFoundException', 'ServiceNotFoundException'))
      throw asOperationError(`describe ECS service ${ref.service}`, e);
  }
  if (!service || service.status !== 'ACTIVE') {
    throw new OperationError(
      `ECS service ${ref.service} ${service ? `became ${service.status}` : 'disappeared'} while waiting for its rollout`,
    );
  }
  return service;
}

const primaryOf = (s: Service) => s.deployments?.find((d) => d.status === 'PRIMARY');

function failureOf(ref: RolloutRef, service: Service, ours: Deployment | undefined): string | undefined {
  const primary = primaryOf(service);
  const td = (d: Deployment | undefined) => shortTaskDefinition(d?.taskDefinition);
  if (!ours) {
    if (!ref.deploymentId) return undefined;
    return `deployment ${ref.deploymentId} is gone; ${primary ? `deployment ${primary.id} (${td(primary)}) replaced it` : 'no deployment is PRIMARY'}: rolled back by the circuit breaker, or superseded by another update`;
  }
  if (ours.rolloutState === 'FAILED') {
    const rolledBack =
      primary && primary.id !== ours.id ? `; the circuit breaker is rolling back to ${td(primary)}` : '';
    return `deployment ${ours.id} (${td(ours)}) FAILED: ${(ours.rolloutStateReason ?? 'no reason given').replace(/\.$/, '')}${rolledBack}`;
  }
  if (ours.status !== 'PRIMARY') {
    return `deployment ${ours.id} (${td(ours)}) is no longer PRIMARY: deployment ${primary?.id} (${td(primary)}) replaced it (another update or a rollback)`;
  }
  return undefined;
}

function failureMessage(
  ref: RolloutRef,
  failure: string,
  reasons: Map<string, number>,
  events: ServiceEvent[],
): string {
  const lastEvents = events
    .slice(-2)
    .map((e) => e.message)
    .filter(Boolean);
  return `rollout of service ${ref.service} failed: ${failure}${reasonsText(reasons)}${lastEvents.length ? `; last events: ${lastEvents.join(' | ')}` : ''}`;
}

function reasonsText(reasons: Map<string, number>): string {
  if (reasons.size === 0) return '';
  const items = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, n]) => (n > 1 ? `${r} [${n} tasks]` : r));
  return `; stopped tasks: ${items.join('; ')}`;
}

/** Why a task stopped, from the task and its containers: "Essential container in task exited (web: exit code 1)". */
export function taskReason(t: Task): string {
  const details: string[] = [];
  for (const c of t.containers ?? []) {
    if (c.reason && !t.stoppedReason?.includes(c.reason)) details.push(`${c.name}: ${c.reason}`);
    else if (!c.reason && c.exitCode !== undefined && c.exitCode !== 0)
      details.push(`${c.name}: exit code ${c.exitCode}`);
  }
  const head = t.stoppedReason ?? (details.length ? '' : 'no reason given');
  const text = details.length ? (head ? `${head} (${details.join(', ')})` : details.join(', ')) : head;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** Recently stopped tasks of the service, those of `deploymentId` when it started any. Best effort. */
async function stoppedTasks(ctx: StepContext, ref: RolloutRef, deploymentId: string | undefined): Promise<Task[]> {
  try {
    const list = await ctx.aws.ecs.send(
      new ListTasksCommand({ cluster: ref.cluster, serviceName: ref.service, desiredStatus: 'STOPPED' }),
    );
    const arns = (list.taskArns ?? []).slice(0, 100);
    if (arns.length === 0) return [];
    const tasks = (await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster: ref.cluster, tasks: arns }))).tasks ?? [];
    const ours = deploymentId ? tasks.filter((t) => t.startedBy === deploymentId) : [];
    return (ours.length > 0 ? ours : tasks).sort(
      (a, b) => (a.stoppedAt?.getTime() ?? 0) - (b.stoppedAt?.getTime() ?? 0),
    );
  } catch (e) {
    // Diagnostics must not turn a rollout into a failure of their own.
    ctx.report.warn(
      `could not read stopped tasks of service ${ref.service}: ${asOperationError('list tasks', e).message}`,
    );
    return [];
  }
}

export const eventKey = (e: ServiceEvent) => e.id ?? `${e.createdAt?.toISOString()} ${e.message}`;
const byCreatedAt = (a: ServiceEvent, b: ServiceEvent) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0);
