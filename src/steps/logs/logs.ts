/**
 * Reading the containers' log events back from CloudWatch Logs (`ecsctl logs`). The group and
 * stream prefix come from the recorded task definition's awslogs configuration, so a definition
 * registered from a file with its own group is read from that group.
 */
import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, type ContainerDefinition } from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { InterruptedError, missingStep, OperationError, UsageError } from '../../errors.js';
import type { StepContext } from '../context.js';
import { LOG_STREAM_PREFIX } from '../taskdef/input.js';

/** One event as `ecsctl logs` prints it; with --json, one of these per line. */
export interface LogEventView {
  /** ISO 8601, milliseconds, UTC: when the container wrote the line. */
  readonly timestamp: string;
  /** The task ID from the stream name `<prefix>/<container>/<task ID>`. */
  readonly task: string;
  readonly container: string;
  readonly message: string;
}

export interface LogsQuery {
  /** How far back to start, in milliseconds. */
  readonly sinceMs: number;
  /** A task ID or the start of one. */
  readonly task?: string;
  readonly container?: string;
  readonly follow?: boolean;
  /**
   * With `follow`: asked after each pass; once it resolves true, one more pass picks up the last
   * events (awslogs sends in batches) and the read ends. `ecsctl run` polls its task here.
   */
  readonly until?: () => Promise<boolean>;
}

/** Where the stack's containers log: one group, and the containers writing to it. */
export interface LogSource {
  readonly group: string;
  /** Empty when only the state's log group is known (no task definition recorded). */
  readonly containers: readonly { readonly name: string; readonly prefix: string }[];
}

export const FOLLOW_INTERVAL_MS = 2_000;
/**
 * --follow asks again from this long before the newest event seen, and drops events already
 * printed. The awslogs driver sends batches every 5 s, so an event can arrive after a newer one
 * from another task was already printed; this window catches those.
 */
export const FOLLOW_OVERLAP_MS = 10_000;

/**
 * Prints the stack's log events from `sinceMs` ago, oldest first, through `print`; returns how
 * many. With `follow`, keeps asking every 2 s (ctx.sleep) and prints each event once, until
 * ctx.signal aborts (Ctrl-C), which ends it with that abort's InterruptedError (exit 130).
 */
export async function readLogs(
  ctx: StepContext,
  query: LogsQuery,
  print: (event: LogEventView, severalContainers: boolean) => void,
): Promise<{ events: number }> {
  const source = await logSource(ctx);
  const containers = query.container ? source.containers.filter((c) => c.name === query.container) : source.containers;
  if (query.container && containers.length === 0) {
    throw new UsageError(
      `--container ${query.container}: the task definition has no container of that name that logs to CloudWatch (it has: ${source.containers.map((c) => c.name).join(', ') || 'none'})`,
    );
  }
  const streamPrefix = streamPrefixFor(containers, query);
  const wanted = (e: LogEventView) =>
    (!query.container || e.container === query.container) && (!query.task || e.task.startsWith(query.task));
  const start = ctx.now() - query.sinceMs;
  let from = start;
  /** Events printed whose timestamps are still inside the window asked for again: key → timestamp. */
  const seen = new Map<string, number>();
  let count = 0;
  let finishing = false;
  let saidWaiting = false;
  for (;;) {
    const events = await filterEvents(ctx, source.group, from, streamPrefix);
    for (const e of events) {
      const key = `${e.logStreamName}\u0000${e.eventId}`;
      if (seen.has(key)) continue;
      seen.set(key, e.timestamp ?? 0);
      const view = toView(e);
      // The prefix narrows on AWS; this also holds where the filter is wider (several containers, moto).
      if (!wanted(view)) continue;
      print(view, source.containers.length > 1);
      count++;
    }
    if (!query.follow || finishing) return { events: count };
    if (query.until && (await query.until())) finishing = true;
    // `logs --follow` says once that it waits (a silent terminal looks hung); `run` follows
    // a task to its end and says nothing.
    if (!saidWaiting && !query.until) {
      ctx.report.info(
        `${count === 0 ? 'no log events yet; ' : ''}waiting for new events in ${source.group} (Ctrl-C to stop)`,
      );
      saidWaiting = true;
    }
    let newest = from;
    for (const ts of seen.values()) newest = Math.max(newest, ts);
    from = Math.max(start, newest - FOLLOW_OVERLAP_MS);
    for (const [key, ts] of seen) if (ts < from) seen.delete(key);
    await ctx.sleep(FOLLOW_INTERVAL_MS);
  }
}

/**
 * The recorded task definition's awslogs group and containers; the state's log group when no
 * task definition is recorded. A definition that sends no logs to CloudWatch is a UsageError.
 */
export async function logSource(ctx: StepContext): Promise<LogSource> {
  const { taskDefinition, logGroup } = ctx.state.current;
  if (taskDefinition) {
    let containers: ContainerDefinition[] | undefined;
    try {
      const out = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinition.arn }));
      containers = out.taskDefinition?.containerDefinitions;
    } catch (e) {
      if (!isAwsError(e, 'ClientException'))
        throw asOperationError(`describe task definition ${taskDefinition.arn}`, e);
    }
    if (containers) {
      const awslogs = containers.filter(
        (c) => c.logConfiguration?.logDriver === 'awslogs' && c.logConfiguration.options?.['awslogs-group'],
      );
      const group = awslogs[0]?.logConfiguration?.options?.['awslogs-group'];
      if (!group) {
        throw new UsageError(
          `task definition ${taskDefinition.family}:${taskDefinition.revision} sends no container logs to CloudWatch Logs`,
          {
            hint: 'Register it again without --no-logs: `ecsctl taskdef register`.',
          },
        );
      }
      return {
        group,
        containers: awslogs
          .filter((c) => c.logConfiguration!.options!['awslogs-group'] === group)
          .map((c) => ({
            name: c.name!,
            prefix: c.logConfiguration!.options!['awslogs-stream-prefix'] ?? LOG_STREAM_PREFIX,
          })),
      };
    }
  }
  if (logGroup) return { group: logGroup.name, containers: [] };
  throw missingStep('log group', 'taskdef register');
}

/** `<prefix>/<container>/<task>` narrows to one container (and task) when that is known. */
export function streamPrefixFor(
  containers: LogSource['containers'],
  query: Pick<LogsQuery, 'task' | 'container'>,
): string | undefined {
  if (containers.length !== 1 || (!query.task && !query.container)) return undefined;
  const c = containers[0]!;
  return `${c.prefix}/${c.name}/${query.task ?? ''}`;
}

/** Every event from `startTime` on, all pages, ordered by timestamp (the API orders per stream). */
async function filterEvents(
  ctx: StepContext,
  group: string,
  startTime: number,
  logStreamNamePrefix: string | undefined,
): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? new InterruptedError('interrupted');
    let out;
    try {
      out = await ctx.aws.logs.send(
        new FilterLogEventsCommand({ logGroupName: group, startTime, logStreamNamePrefix, nextToken }),
      );
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) {
        throw new OperationError(`log group ${group} does not exist`, {
          hint: 'Run `ecsctl taskdef register` to create it.',
        });
      }
      throw asOperationError(`read log events of ${group}`, e);
    }
    events.push(...(out.events ?? []));
    // Guard against a token that does not move (it would loop forever).
    nextToken = out.nextToken && out.nextToken !== nextToken ? out.nextToken : undefined;
  } while (nextToken);
  // Stable: events of one stream keep the order the API gave them.
  return events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** Splits `<prefix>/<container>/<task ID>`; a stream of another shape is shown whole as the task. */
export function toView(e: FilteredLogEvent): LogEventView {
  const parts = (e.logStreamName ?? '').split('/');
  const [container, task] = parts.length >= 3 ? [parts.at(-2)!, parts.at(-1)!] : ['', e.logStreamName ?? ''];
  return {
    timestamp: new Date(e.timestamp ?? 0).toISOString(),
    task,
    container,
    message: (e.message ?? '').replace(/\r?\n$/, ''),
  };
}

/** `<first 8 of the task ID>[/<container>] | <message>`: short IDs, like `docker ps`; --task takes them. */
export function formatEvent(e: LogEventView, withContainer: boolean): string {
  return `${e.task.slice(0, 8) || '-'}${withContainer && e.container ? `/${e.container}` : ''} | ${e.message}`;
}
