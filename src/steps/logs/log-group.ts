/**
 * The CloudWatch Logs group the containers write to. ECS fails a task whose awslogs group does
 * not exist (the walkthrough warns about it), so `taskdef register` makes sure the group exists
 * before it registers. A group of that name without this stack's tag is used — it is only
 * written to — but its retention is never changed and it is never deleted or recorded.
 */
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  paginateDescribeLogGroups,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { hasStackTag, STACK_TAG } from '../../aws/tags.js';
import { UsageError } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';

/** `not-ours`: the group exists without this stack's tag; used as it is, never recorded. */
export type LogGroupOutcome = 'created' | 'unchanged' | 'updated' | 'not-ours' | 'deleted' | 'absent';

export interface LogGroupResult {
  readonly outcome: LogGroupOutcome;
  readonly name?: string;
  /** Undefined: the events never expire. */
  readonly retentionDays?: number;
}

export const DEFAULT_RETENTION_DAYS = 7;

/**
 * Makes sure the group `name` exists. Creates it tagged `ecsctl:stack=<stack>` and records it at
 * once, then sets the retention; a group of ours with another retention gets `retentionDays`; a
 * rerun with the same input makes no mutating call. A group without our tag is left as it is.
 * One group per stack: a different recorded group is a UsageError, raised before any AWS call.
 */
export async function ensureLogGroup(
  ctx: StepContext,
  input: { name: string; retentionDays: number },
): Promise<LogGroupResult> {
  const stack = stackOf(ctx);
  const { name, retentionDays } = input;
  const recorded = ctx.state.current.logGroup;
  if (recorded && recorded.name !== name) {
    throw new UsageError(
      `stack ${stack} already has log group ${recorded.name}; this task definition logs to ${name}`,
      {
        hint: `ecsctl keeps one log group per stack: log to ${recorded.name}, or run \`ecsctl down\` first.`,
      },
    );
  }
  const logs = ctx.aws.logs;
  let found = await findLogGroup(logs, name);
  let created = false;
  if (!found) {
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: { [STACK_TAG]: stack } }));
      created = true;
    } catch (e) {
      // Created between our describe and our create (another run, or by hand): judge it by its tags.
      if (!isAwsError(e, 'ResourceAlreadyExistsException')) throw asOperationError(`create log group ${name}`, e);
      found = await findLogGroup(logs, name);
    }
  }
  if (found && !hasStackTag(await logGroupTags(logs, found), stack)) {
    ctx.report.warn(
      `log group ${name} exists but was not created by ecsctl for stack ${stack}: tasks will log to it; ecsctl will not change its retention or delete it`,
    );
    return { outcome: 'not-ours', name, retentionDays: found.retentionInDays };
  }
  // Recorded before the retention call, so a crash in between still leaves the group known.
  if (created || recorded?.retentionDays !== retentionDays)
    await ctx.state.record({ logGroup: { name, retentionDays } });
  if (created || found?.retentionInDays !== retentionDays) {
    try {
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: retentionDays }));
    } catch (e) {
      throw asOperationError(`set the retention of log group ${name} to ${retentionDays} days`, e);
    }
  }
  const outcome = created ? 'created' : found?.retentionInDays !== retentionDays ? 'updated' : 'unchanged';
  return { outcome, name, retentionDays };
}

/**
 * Deletes the recorded group with its events (`down`, unless --keep-logs). A group already gone
 * counts as deleted; one that lacks this stack's tag is left alone and reported. Either way the
 * section leaves the state.
 */
export async function deleteLogGroup(ctx: StepContext): Promise<LogGroupResult> {
  const recorded = ctx.state.current.logGroup;
  if (!recorded) return { outcome: 'absent' };
  const logs = ctx.aws.logs;
  const { name } = recorded;
  const found = await findLogGroup(logs, name);
  let outcome: LogGroupOutcome = 'absent';
  if (found && !hasStackTag(await logGroupTags(logs, found), stackOf(ctx))) {
    ctx.report.warn(`log group ${name} is not tagged ${STACK_TAG}=${stackOf(ctx)}; left it alone`);
    outcome = 'not-ours';
  } else if (found) {
    try {
      await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
      outcome = 'deleted';
    } catch (e) {
      if (!isAwsError(e, 'ResourceNotFoundException')) throw asOperationError(`delete log group ${name}`, e);
    }
  }
  await ctx.state.record({ logGroup: undefined });
  return { outcome, name };
}

/** The group of exactly this name, or undefined. (The API filters by prefix: "/ecs/web" also lists "/ecs/web-admin".) */
export async function findLogGroup(logs: CloudWatchLogsClient, name: string): Promise<LogGroup | undefined> {
  try {
    for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: name })) {
      const match = page.logGroups?.find((g) => g.logGroupName === name);
      if (match) return match;
    }
    return undefined;
  } catch (e) {
    throw asOperationError(`describe log group ${name}`, e);
  }
}

export async function logGroupTags(logs: CloudWatchLogsClient, group: LogGroup) {
  // ListTagsForResource wants the ARN without the ":*" that DescribeLogGroups' `arn` ends with.
  const arn = group.logGroupArn ?? group.arn!.replace(/:\*$/, '');
  try {
    const out = await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    return Object.entries(out.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  } catch (e) {
    throw asOperationError(`read the tags of log group ${group.logGroupName}`, e);
  }
}
