/**
 * The stack's task definition as `taskdef register` and `up` both register it: from flags or a
 * file, with the image the state recorded unless one is given, and with its CloudWatch Logs group
 * created first (a task whose awslogs group is missing fails to start).
 */
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { UsageError } from '../../errors.js';
import { ensureExecutionRole, type ExecutionRoleResult } from './execution-role.js';
import type { SecretFlag } from './secrets.js';
import { DEFAULT_RETENTION_DAYS, ensureLogGroup, type LogGroupResult } from '../logs/log-group.js';
import { completeFromFile, defaultLogGroup, taskDefinitionFromFlags, withLogGroup } from './input.js';
import { imageFor, ensureRevision, type TaskDefinitionResult } from './taskdef.js';
import type { StepContext } from '../context.js';
import type { State } from '../../state/schema.js';

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
  /** --secret KEY=REF: into the first container's `secrets`, read by the task execution role. */
  readonly secrets?: readonly SecretFlag[];
  /** False with --no-logs. */
  readonly logs: boolean;
  readonly logRetentionDays?: number;
}

export type EnsureTaskDefinitionResult = TaskDefinitionResult & {
  readonly logGroup?: LogGroupResult;
  readonly executionRole?: Pick<ExecutionRoleResult, 'outcome' | 'roleArn'>;
};

/**
 * The definition `up` and `taskdef register` would register, before the execution role is added:
 * from the flags (or the file), with the image recorded unless one is given, and the awslogs
 * group settled. Pure, and checked (exit 2) before any AWS call; `up --dry-run` diffs the same.
 */
export function desiredTaskDefinition(
  state: State,
  o: TaskDefinitionOptions,
): { readonly taskDefinition: RegisterTaskDefinitionCommandInput; readonly logGroup?: string } {
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
  if ((o.secrets ?? []).length > 0 && td.executionRoleArn)
    throw new UsageError(
      `the task definition file names executionRoleArn ${td.executionRoleArn}; --secret makes and uses ecsctl's own execution role`,
      { hint: 'Remove executionRoleArn from the file, or put the secrets in the file and drop --secret.' },
    );
  return withLogGroup(td, state.region, o.logs ? defaultLogGroup(state.name) : undefined);
}

/** Creates the log group (if any), then registers — or reuses an identical latest revision. */
export async function ensureTaskDefinition(
  ctx: StepContext,
  o: TaskDefinitionOptions,
): Promise<EnsureTaskDefinitionResult> {
  const state = ctx.state.current;
  // Checked before any AWS call; the group must exist before a task can start.
  const logged = desiredTaskDefinition(state, o);
  const logGroup =
    logged.logGroup === undefined
      ? undefined
      : await ensureLogGroup(ctx, {
          name: logged.logGroup,
          retentionDays: o.logRetentionDays ?? state.logGroup?.retentionDays ?? DEFAULT_RETENTION_DAYS,
        });
  // The role (and its policy naming exactly these secrets) exists before any task can need it.
  const exec = await ensureExecutionRole(ctx, o.secrets ?? []);
  const final = exec.roleArn ? withSecrets(logged.taskDefinition, exec) : logged.taskDefinition;
  return {
    ...(await ensureRevision(ctx, final)),
    logGroup,
    ...(exec.outcome === 'absent' ? {} : { executionRole: { outcome: exec.outcome, roleArn: exec.roleArn } }),
  };
}

/** The first container gets the secrets (by ARN, never a value); the task gets the execution role. */
export function withSecrets(
  td: RegisterTaskDefinitionCommandInput,
  exec: Pick<ExecutionRoleResult, 'roleArn' | 'secrets'>,
): RegisterTaskDefinitionCommandInput {
  const [first, ...rest] = td.containerDefinitions ?? [];
  return {
    ...td,
    executionRoleArn: exec.roleArn,
    containerDefinitions: [{ ...first!, secrets: exec.secrets }, ...rest],
  };
}
