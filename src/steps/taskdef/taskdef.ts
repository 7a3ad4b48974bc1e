/**
 * Task definition revisions (walkthrough: `aws ecs register-task-definition`). Registering the
 * same content as the latest ACTIVE revision reuses it, so reruns add no revisions.
 */
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  paginateListTaskDefinitions,
  RegisterTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, ecsTags, hasStackTag } from '../../aws/tags.js';
import { missingStep, UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';

export type TaskDefinitionRecord = NonNullable<State['taskDefinition']>;

export interface TaskDefinitionResult {
  readonly outcome: Outcome;
  readonly taskDefinition?: TaskDefinitionRecord;
}

/**
 * Registers `input` unless the latest ACTIVE revision of its family already has the same content,
 * in which case that revision is recorded and reused.
 */
export async function ensureRevision(
  ctx: StepContext,
  input: RegisterTaskDefinitionCommandInput,
): Promise<TaskDefinitionResult> {
  const stack = stackOf(ctx);
  const family = input.family!;
  const ecs = ctx.aws.ecs;
  const latest = await describeLatest(ecs, family);
  if (latest) {
    assertOwned('task definition family', family, latest.tags, stack);
    if (sameContent(input, latest.taskDefinition)) {
      const record = toRecord(latest.taskDefinition);
      if (ctx.state.current.taskDefinition?.arn !== record.arn) await ctx.state.record({ taskDefinition: record });
      return { outcome: 'unchanged', taskDefinition: record };
    }
  }
  let registered: TaskDefinition;
  try {
    registered = (await ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags: ecsTags(stack) })))
      .taskDefinition!;
  } catch (e) {
    throw asOperationError(`register task definition ${family}`, e);
  }
  const record = toRecord(registered);
  await ctx.state.record({ taskDefinition: record });
  return { outcome: 'created', taskDefinition: record };
}

/** The image the task definition should run: the flag, else what `image push` recorded. */
export function imageFor(state: State, flag: string | undefined): string {
  const image = flag ?? state.image?.uri;
  if (!image)
    throw new UsageError('no image recorded in the state file', {
      hint: 'Run `ecsctl image build` and `ecsctl image push` first, or pass --image.',
    });
  return image;
}

export interface RevisionView {
  readonly arn: string;
  readonly revision: number;
  readonly status: string;
}

/** Every revision of the family, oldest first, with its status. */
export async function listRevisions(ecs: ECSClient, family: string): Promise<RevisionView[]> {
  const views: RevisionView[] = [];
  for (const status of ['ACTIVE', 'INACTIVE'] as const) {
    for await (const page of paginateListTaskDefinitions({ client: ecs }, { familyPrefix: family, status })) {
      for (const arn of page.taskDefinitionArns ?? []) {
        const parsed = parseTaskDefinitionArn(arn);
        // familyPrefix matches prefixes: "web" would also list "web-admin".
        if (parsed?.family === family) views.push({ arn, revision: parsed.revision, status });
      }
    }
  }
  return views.sort((a, b) => a.revision - b.revision);
}

export async function showTaskDefinition(ctx: StepContext): Promise<TaskDefinition | undefined> {
  const recorded = ctx.state.current.taskDefinition;
  if (!recorded) throw missingStep('task definition', 'taskdef register');
  try {
    return (await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: recorded.arn }))).taskDefinition;
  } catch (e) {
    if (isAwsError(e, 'ClientException')) return undefined;
    throw asOperationError(`describe task definition ${recorded.arn}`, e);
  }
}

export interface DeleteRevisionsResult {
  readonly outcome: Outcome;
  readonly deregistered: string[];
  readonly deleted: string[];
  /** Revisions in the family that lack the stack's tag: reported, never touched. */
  readonly skipped: string[];
}

/**
 * Deregisters every ACTIVE revision of the stack's family and deletes the INACTIVE ones
 * (DeleteTaskDefinitions, at most 10 per call). Revisions without the stack's tag are left.
 */
export async function deleteTaskDefinitions(ctx: StepContext): Promise<DeleteRevisionsResult> {
  const stack = stackOf(ctx);
  const family = ctx.state.current.taskDefinition?.family ?? stack;
  const ecs = ctx.aws.ecs;
  const deregistered: string[] = [];
  const skipped: string[] = [];
  const ours: string[] = [];
  for (const rev of await listRevisions(ecs, family)) {
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: rev.arn, include: ['TAGS'] }));
    if (!hasStackTag(described.tags, stack)) {
      skipped.push(rev.arn);
      continue;
    }
    ours.push(rev.arn);
    if (rev.status === 'ACTIVE') {
      await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: rev.arn }));
      deregistered.push(rev.arn);
    }
  }
  const deleted: string[] = [];
  for (let i = 0; i < ours.length; i += 10) {
    const batch = ours.slice(i, i + 10);
    const out = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: batch }));
    deleted.push(...(out.taskDefinitions ?? []).map((t) => t.taskDefinitionArn!));
    const failure = out.failures?.[0];
    if (failure) ctx.report.warn(`could not delete ${failure.arn}: ${failure.reason}`);
  }
  if (skipped.length > 0)
    ctx.report.warn(`left ${skipped.length} revision(s) of ${family} that stack ${stack} did not register`);
  await ctx.state.record({ taskDefinition: undefined });
  return { outcome: ours.length > 0 ? 'deleted' : 'absent', deregistered, deleted, skipped };
}

export function parseTaskDefinitionArn(arn: string): { family: string; revision: number } | undefined {
  const m = /:task-definition\/([^:]+):(\d+)$/.exec(arn);
  return m ? { family: m[1]!, revision: Number(m[2]) } : undefined;
}

export async function describeLatest(
  ecs: ECSClient,
  family: string,
): Promise<{ taskDefinition: TaskDefinition; tags?: Tag[] } | undefined> {
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }));
    const td = out.taskDefinition;
    return td && td.status === 'ACTIVE' ? { taskDefinition: td, tags: out.tags } : undefined;
  } catch (e) {
    if (isAwsError(e, 'ClientException', 'InvalidParameterException')) return undefined; // No such family.
    throw asOperationError(`describe task definition ${family}`, e);
  }
}

function toRecord(td: TaskDefinition): TaskDefinitionRecord {
  const first = td.containerDefinitions?.[0];
  const port = first?.portMappings?.[0]?.containerPort;
  if (!first?.name || port === undefined) {
    throw new UsageError(`task definition ${td.family} has no container with a port mapping`, {
      hint: "The load balancer sends traffic to the first container's first containerPort; add one.",
    });
  }
  return {
    family: td.family!,
    arn: td.taskDefinitionArn!,
    revision: td.revision!,
    containerName: first.name,
    containerPort: port,
  };
}

/**
 * Compares what we would register with what ECS holds, both normalised as ECS stores them: the
 * defaults real ECS fills in on register (container cpu 0, essential true, port mappings'
 * protocol tcp and — in bridge mode — host port 0, empty lists) are applied to both sides, and
 * only the fields a register sets are compared (never compatibilities, requiresAttributes,
 * registeredAt, revision, status…). Without this every rerun on real ECS registers a revision.
 */
export function sameContent(input: RegisterTaskDefinitionCommandInput, live: TaskDefinition): boolean {
  return JSON.stringify(canonical(asStored(input))) === JSON.stringify(canonical(asStored(live)));
}

/** The fields a register sets, with the defaults ECS fills in applied (see sameContent). */
export function asStored(td: RegisterTaskDefinitionCommandInput | TaskDefinition) {
  const networkMode = td.networkMode ?? 'bridge';
  return {
    networkMode,
    cpu: td.cpu,
    memory: td.memory,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    volumes: td.volumes,
    placementConstraints: td.placementConstraints,
    containerDefinitions: (td.containerDefinitions ?? []).map((c) => ({
      ...c,
      cpu: c.cpu ?? 0,
      essential: c.essential ?? true,
      environment: [...(c.environment ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
      portMappings: (c.portMappings ?? []).map((m) => ({
        ...m,
        protocol: m.protocol ?? 'tcp',
        hostPort: m.hostPort ?? (networkMode === 'bridge' ? 0 : m.containerPort),
      })),
    })),
  };
}

/** Equal when both read the same once ECS's defaults and empty values are settled. */
export function sameStored(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === null ? undefined : value;
}
