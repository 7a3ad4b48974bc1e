/**
 * The ECS cluster (walkthrough: `aws ecs create-cluster`). Converging create; delete refuses
 * while services or container instances remain, which real ECS enforces with
 * ClusterContains…Exception and moto does not.
 */
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  type Cluster,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { ECS_SERVICE_LINKED_ROLE } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { assertOwned, ecsTags } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { listContainerInstances } from './container-instances.js';

export interface ClusterResult {
  readonly outcome: Outcome;
  readonly cluster?: { readonly name: string; readonly arn: string };
}

export async function ensureCluster(ctx: StepContext, options: { name?: string } = {}): Promise<ClusterResult> {
  const stack = stackOf(ctx);
  const recorded = ctx.state.current.cluster;
  const name = options.name ?? recorded?.name ?? stack;
  const found = await findActiveCluster(ctx.aws.ecs, name);
  if (found) {
    assertOwned('ECS cluster', name, found.tags, stack);
    const record = { name, arn: found.clusterArn! };
    if (recorded?.arn !== record.arn) await ctx.state.record({ cluster: record });
    return { outcome: 'unchanged', cluster: record };
  }
  let created: Cluster;
  try {
    // CreateCluster is idempotent on AWS for an ACTIVE cluster of the same name (and settings).
    // On an account's first use of ECS, retried while ECS creates its service-linked role.
    created = (
      await retryOn(ctx, ECS_SERVICE_LINKED_ROLE, () =>
        ctx.aws.ecs.send(new CreateClusterCommand({ clusterName: name, tags: ecsTags(stack) })),
      )
    ).cluster!;
  } catch (e) {
    throw asOperationError(`create ECS cluster ${name}`, e);
  }
  const record = { name, arn: created.clusterArn! };
  await ctx.state.record({ cluster: record });
  return { outcome: recorded ? 'recreated' : 'created', cluster: record };
}

export interface ContainerInstanceView {
  readonly arn: string;
  readonly ec2InstanceId?: string;
  readonly status?: string;
  readonly agentConnected?: boolean;
  readonly runningTasks?: number;
  readonly pendingTasks?: number;
}

export interface ClusterView {
  readonly name: string;
  readonly exists: boolean;
  readonly arn?: string;
  readonly status?: string;
  readonly registeredContainerInstances?: number;
  readonly runningTasks?: number;
  readonly pendingTasks?: number;
  readonly activeServices?: number;
  readonly containerInstances?: ContainerInstanceView[];
}

export async function showCluster(ctx: StepContext): Promise<ClusterView> {
  const name = ctx.state.current.cluster?.name ?? stackOf(ctx);
  const found = await findActiveCluster(ctx.aws.ecs, name);
  if (!found) return { name, exists: false };
  const instances = await listContainerInstances(ctx.aws.ecs, name);
  return {
    name,
    exists: true,
    arn: found.clusterArn,
    status: found.status,
    registeredContainerInstances: found.registeredContainerInstancesCount,
    runningTasks: found.runningTasksCount,
    pendingTasks: found.pendingTasksCount,
    activeServices: found.activeServicesCount,
    containerInstances: instances.map((ci) => ({
      arn: ci.containerInstanceArn!,
      ec2InstanceId: ci.ec2InstanceId,
      status: ci.status,
      agentConnected: ci.agentConnected,
      runningTasks: ci.runningTasksCount,
      pendingTasks: ci.pendingTasksCount,
    })),
  };
}

/**
 * Deletes the recorded cluster once nothing runs in it. Gone or INACTIVE counts as deleted.
 * Right after the last container instance is deregistered (or the last task stopped) ECS may
 * still refuse with ClusterContains…Exception for a while: that is retried for `timeoutMs`
 * (`down` passes --wait-timeout), since the checks above already saw nothing left.
 */
export async function deleteCluster(ctx: StepContext, o: { timeoutMs?: number } = {}): Promise<ClusterResult> {
  const recorded = ctx.state.current.cluster;
  if (!recorded) return { outcome: 'absent' };
  const ecs = ctx.aws.ecs;
  const found = await findActiveCluster(ecs, recorded.name);
  if (!found) {
    await ctx.state.record({ cluster: undefined });
    return { outcome: 'absent' };
  }
  assertOwned('ECS cluster', recorded.name, found.tags, stackOf(ctx));
  const [services, instances] = await Promise.all([
    ecs.send(new ListServicesCommand({ cluster: recorded.name })),
    ecs.send(new ListContainerInstancesCommand({ cluster: recorded.name, status: 'ACTIVE' })),
  ]).catch((e) => {
    throw asOperationError(`inspect ECS cluster ${recorded.name}`, e);
  });
  // moto lists deleted (INACTIVE) services too; ask for the status before counting them.
  const active = await activeServiceNames(ecs, recorded.name, services.serviceArns ?? []);
  if (active.length > 0) throw stillInUse(recorded.name, `service(s) ${active.join(', ')}`, 'ecsctl service delete');
  if ((instances.containerInstanceArns ?? []).length > 0) {
    throw stillInUse(
      recorded.name,
      `${instances.containerInstanceArns!.length} registered container instance(s)`,
      'ecsctl instances delete',
    );
  }
  try {
    await retryOn(
      ctx,
      {
        codes: [
          'ClusterContainsContainerInstancesException',
          'ClusterContainsTasksException',
          'ClusterContainsServicesException',
        ],
        why: `ECS still counts what was just removed from cluster ${recorded.name}`,
        budgetMs: o.timeoutMs ?? 120_000,
        delayMs: 2_000,
      },
      () => ecs.send(new DeleteClusterCommand({ cluster: recorded.name })),
    );
  } catch (e) {
    if (isAwsError(e, 'ClusterNotFoundException')) {
      await ctx.state.record({ cluster: undefined });
      return { outcome: 'absent' };
    }
    if (isAwsError(e, 'ClusterContainsServicesException'))
      throw stillInUse(recorded.name, 'services', 'ecsctl service delete', e);
    if (isAwsError(e, 'ClusterContainsContainerInstancesException'))
      throw stillInUse(recorded.name, 'registered container instances', 'ecsctl instances delete', e);
    if (isAwsError(e, 'ClusterContainsTasksException'))
      throw stillInUse(recorded.name, 'running tasks', 'ecsctl service delete', e);
    throw asOperationError(`delete ECS cluster ${recorded.name}`, e);
  }
  await ctx.state.record({ cluster: undefined });
  return { outcome: 'deleted' };
}

/** The ACTIVE cluster of that name with its tags, or undefined (missing or INACTIVE). */
export async function findActiveCluster(ecs: ECSClient, name: string): Promise<Cluster | undefined> {
  try {
    const out = await ecs.send(new DescribeClustersCommand({ clusters: [name], include: ['TAGS'] }));
    return out.clusters?.find((c) => c.status === 'ACTIVE' || c.status === 'PROVISIONING');
  } catch (e) {
    if (isAwsError(e, 'ClusterNotFoundException')) return undefined;
    throw asOperationError(`describe ECS cluster ${name}`, e);
  }
}

async function activeServiceNames(ecs: ECSClient, cluster: string, arns: string[]): Promise<string[]> {
  if (arns.length === 0) return [];
  const names: string[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
    for (const s of out.services ?? [])
      if (s.status === 'ACTIVE' || s.status === 'DRAINING') names.push(s.serviceName!);
  }
  return names;
}

function stillInUse(cluster: string, what: string, command: string, cause?: unknown): OperationError {
  return new OperationError(`cannot delete ECS cluster ${cluster}: it still has ${what}`, {
    cause,
    hint: `Run \`${command}\` first, or \`ecsctl down\` to remove the whole stack.`,
  });
}
