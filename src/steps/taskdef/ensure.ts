/**
 * The stack's task definition as `taskdef register` and `up` both register it: from flags or a
 * file, with the image the state recorded unless one is given, and with its CloudWatch Logs group
 * created first (a task whose awslogs group is missing fails to start).
 */
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { DEFAULT_RETENTION_DAYS, ensureLogGroup, type LogGroupResult } from '../logs/log-group.js';
import { completeFromFile, defaultLogGroup, taskDefinitionFromFlags, withLogGroup } from './input.js';
import { imageFor, ensureRevision, type TaskDefinitionResult } from './taskdef.js';
import type { StepContext } from '../context.js';

export interface TaskDefinitionOptions {
  /** A register-task-definition JSON already read and checked (taskDefinitionFromFile). */
  readonly fromFile?: RegisterTaskDefinitionCommandInput;
  readonly image?: string;
  readonly family?: string;
  readonly containerName?: string;
  readonly containerPort: number;
  readonly memory: number;
  readonly cpu: number;
  readonly env?: readonly (readonly [string, string])[];
  /** False with --no-logs. */
  readonly logs: boolean;
  readonly logRetentionDays?: number;
}

export type EnsureTaskDefinitionResult = TaskDefinitionResult & { readonly logGroup?: LogGroupResult };

/** Creates the log group (if any), then registers — or reuses an identical latest revision. */
export async function ensureTaskDefinition(
  ctx: StepContext,
  o: TaskDefinitionOptions,
): Promise<EnsureTaskDefinitionResult> {
  const state = ctx.state.current;
  let td: RegisterTaskDefinitionCommandInput;
  if (o.fromFile) {
    const fileImage = o.fromFile.containerDefinitions?.[0]?.image;
    const placeholder = !fileImage || /[<>\s]/.test(fileImage);
    td = completeFromFile(o.fromFile, {
      family: o.family ?? (o.fromFile.family ? undefined : state.name),
      image: o.image ?? (placeholder ? imageFor(state, undefined) : undefined),
    });
  } else {
    td = taskDefinitionFromFlags({
      family: o.family ?? state.taskDefinition?.family ?? state.name,
      containerName: o.containerName ?? state.taskDefinition?.containerName ?? state.name,
      image: imageFor(state, o.image),
      containerPort: o.containerPort,
      memory: o.memory,
      cpu: o.cpu,
      env: o.env ?? [],
    });
  }
  // Checked before any AWS call; the group must exist before a task can start.
  const logged = withLogGroup(td, state.region, o.logs ? defaultLogGroup(state.name) : undefined);
  const logGroup =
    logged.logGroup === undefined
      ? undefined
      : await ensureLogGroup(ctx, {
          name: logged.logGroup,
          retentionDays: o.logRetentionDays ?? state.logGroup?.retentionDays ?? DEFAULT_RETENTION_DAYS,
        });
  return { ...(await ensureRevision(ctx, logged.taskDefinition)), logGroup };
}
