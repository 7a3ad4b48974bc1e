/**
 * `logs --previous`: the crash-loop case. A task that keeps failing is replaced before anyone can
 * copy its ID, so this finds the service's most recently stopped task and reads its log events,
 * with why it stopped (ECS's stoppedReason and the container's exit code) as a header line.
 * ECS keeps stopped tasks visible for at least an hour.
 */
import { DescribeTasksCommand, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { asOperationError } from '../../aws/errors.js';
import { missingStep } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';

export interface PreviousTask {
  readonly taskArn: string;
  readonly taskId: string;
  readonly stoppedAt?: string;
  readonly startedAt?: string;
  readonly stoppedReason?: string;
  /** The first container's exit code (the one of --container when given); absent if it never ran. */
  readonly exitCode?: number;
  readonly container?: string;
}

/**
 * The service's task that stopped last: tasks of group `service:<name>` (ECS's group for a
 * service's tasks; ListTasks' serviceName filter alone is not relied on), latest stoppedAt first.
 */
export function pickPreviousTask(tasks: readonly Task[], service: string): Task | undefined {
  return tasks
    .filter((t) => t.group === `service:${service}` && t.lastStatus === 'STOPPED')
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
}

/** The most recently stopped task of the stack's service, or undefined when ECS has none left. */
export async function findPreviousTask(ctx: StepContext, container?: string): Promise<PreviousTask | undefined> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const service = state.service?.name ?? stackOf(ctx);
  const tasks: Task[] = [];
  try {
    let nextToken: string | undefined;
    do {
      const list = await ctx.aws.ecs.send(
        new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', nextToken }),
      );
      const arns = list.taskArns ?? [];
      for (let i = 0; i < arns.length; i += 100) {
        const out = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }));
        tasks.push(...(out.tasks ?? []));
      }
      nextToken = list.nextToken;
    } while (nextToken);
  } catch (e) {
    throw asOperationError(`list stopped tasks of service ${service}`, e);
  }
  const task = pickPreviousTask(tasks, service);
  if (!task) return undefined;
  const c = (container ? task.containers?.find((x) => x.name === container) : undefined) ?? task.containers?.[0];
  return {
    taskArn: task.taskArn!,
    taskId: task.taskArn!.split('/').at(-1)!,
    stoppedAt: task.stoppedAt?.toISOString(),
    startedAt: (task.startedAt ?? task.createdAt)?.toISOString(),
    stoppedReason: task.stoppedReason || undefined,
    exitCode: c?.exitCode ?? undefined,
    container: c?.name,
  };
}

/** "task 3f2a9c1d stopped 2026-11-26T02:10:00.000Z: Essential container in task exited (web: exit code 1)" */
export function previousHeader(t: PreviousTask): string {
  const exit = t.exitCode === undefined ? 'no exit code: it never ran' : `exit code ${t.exitCode}`;
  return `task ${t.taskId.slice(0, 8)} stopped ${t.stoppedAt ?? '(time unknown)'}: ${t.stoppedReason ?? 'no reason given'} (${t.container ? `${t.container}: ` : ''}${exit})`;
}

/** How far back to read its logs: from a minute before it started (clock skew), else the last hour. */
export function sinceForTask(t: PreviousTask, now: number): number {
  const from = t.startedAt ? Date.parse(t.startedAt) - 60_000 : now - 3600_000;
  return Math.max(60_000, now - from);
}
