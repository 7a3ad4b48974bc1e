/**
 * The cluster's container instances: listing them, counting those that can take tasks, and the
 * gate that waits for the first one before a service is created.
 */
import {
  DescribeContainerInstancesCommand,
  paginateListContainerInstances,
  type ContainerInstance,
  type ContainerInstanceStatus,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { asOperationError } from '../../aws/errors.js';
import { pollUntil, WAITS } from '../../util/poll.js';
import { clockOf, type StepContext } from '../context.js';

/** Every container instance of the cluster (any status), described, one page of 100 at a time. */
export async function listContainerInstances(
  ecs: ECSClient,
  cluster: string,
  status?: ContainerInstanceStatus,
): Promise<ContainerInstance[]> {
  const arns: string[] = [];
  for await (const page of paginateListContainerInstances({ client: ecs }, { cluster, status }))
    arns.push(...(page.containerInstanceArns ?? []));
  const described: ContainerInstance[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    const out = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster, containerInstances: arns.slice(i, i + 100) }),
    );
    described.push(...(out.containerInstances ?? []));
  }
  return described;
}

/** Container instances that can take tasks now: ACTIVE with a connected agent. */
export async function countReadyInstances(ecs: ECSClient, cluster: string): Promise<number> {
  const active = await listContainerInstances(ecs, cluster, 'ACTIVE');
  return active.filter((ci) => ci.status === 'ACTIVE' && ci.agentConnected !== false).length;
}

/**
 * Resolves once at least one container instance is ACTIVE in the cluster. Creating a service
 * before that makes the real scheduler back off for up to 15 minutes after three failed
 * placements, so the first tasks would start long after the instances joined.
 */
export async function waitForContainerInstance(ctx: StepContext, cluster: string, timeoutMs: number): Promise<number> {
  const read = async () => {
    try {
      return await countReadyInstances(ctx.aws.ecs, cluster);
    } catch (e) {
      throw asOperationError(`list container instances of cluster ${cluster}`, e);
    }
  };
  const first = await read();
  if (first > 0) return first;
  return ctx.report.step(
    `waiting for a container instance to register in cluster ${cluster} (the ECS scheduler backs off for up to 15 min without one)`,
    (update) =>
      pollUntil({
        ...clockOf(ctx),
        what: `a container instance to register in cluster ${cluster}`,
        read,
        done: (n) => n > 0,
        onPoll: (n, elapsed) => update(`${n} ACTIVE after ${Math.round(elapsed / 1000)}s`),
        schedule: WAITS.instancesRegistered,
        timeoutMs,
        hint: 'Launch instances with `ecsctl instances create` and check that their ECS agent can reach ECS (user data names the cluster, the instance role has AmazonEC2ContainerServiceforEC2Role)',
      }),
  );
}
