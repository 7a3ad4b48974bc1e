/**
 * Taking the instances path down: deregister the container instances, terminate the instances,
 * then the instance security group and IAM (deleteInstanceStack), or the first two alone for
 * `down`, whose graph runs the rest as their own tasks.
 */
import { stackOf, type StepContext } from '../context.js';
import { deleteInstanceRole } from './iam.js';
import { allSettled } from './stack.js';
import { findStackInstances, PRESENT_STATES } from './launch.js';
import { deregisterContainerInstances, terminateInstances } from './lifecycle.js';

import { deleteLbSecurityGroupIfUnused, deleteSecurityGroup } from '../network/security-groups.js';

export interface DeleteInstancesResult {
  readonly outcome: 'deleted' | 'absent';
  readonly terminated: string[];
  readonly deregistered: number;
  readonly securityGroups: { readonly instance: 'deleted' | 'absent'; readonly lb: 'deleted' | 'absent' | 'kept' };
  readonly role: 'deleted' | 'absent';
}

/**
 * Deregisters the container instances, terminates the instances and waits for `terminated`, then
 * deletes the instance group, the LB group if nothing else uses it, and the profile and role.
 * Works from tags as well as the state, so it also cleans up after a crashed create; already
 * gone is done, and nothing without the stack tag is touched. `down` runs the same phases as
 * separate tasks, so that each later deletion starts the moment its own blocker is gone.
 */
export async function deleteInstanceStack(
  ctx: StepContext,
  o: { timeoutMs?: number } = {},
): Promise<DeleteInstancesResult> {
  const { ids, deregistered } = await deregisterStackInstances(ctx);
  await terminateStackInstances(ctx, ids, o);
  const [groups, role] = await allSettled([
    ctx.report.step('security groups', async () => {
      const instance = await deleteSecurityGroup(ctx, 'instanceSecurityGroup', { timeoutMs: o.timeoutMs });
      const lb = await deleteLbSecurityGroupIfUnused(ctx, { timeoutMs: o.timeoutMs });
      return { instance, lb };
    }),
    ctx.report.step('IAM role and instance profile', () => deleteInstanceRole(ctx)),
  ] as const);
  const anything =
    ids.length > 0 ||
    deregistered > 0 ||
    groups.instance === 'deleted' ||
    groups.lb === 'deleted' ||
    role === 'deleted';
  return { outcome: anything ? 'deleted' : 'absent', terminated: ids, deregistered, securityGroups: groups, role };
}

/**
 * The first phase of deleting the instances: deregisters the stack's container instances from
 * the recorded cluster (after which DeleteCluster no longer waits for them) and returns the
 * instances, found by tag and in the state, that still need terminating.
 */
export async function deregisterStackInstances(ctx: StepContext): Promise<{ ids: string[]; deregistered: number }> {
  const s = ctx.state.current;
  // Terminated ones too: one terminated outside ecsctl may still be registered (ECS keeps it
  // about 20 minutes, moto forever), and AWS lists terminated instances for about an hour.
  const found = await findStackInstances(ctx.aws.ec2, stackOf(ctx), [...PRESENT_STATES, 'terminated']);
  const ids = found.filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId!);
  let deregistered = 0;
  const launchedByUs = [...new Set([...found.map((i) => i.InstanceId!), ...(s.instances?.ids ?? [])])];
  if (s.cluster && launchedByUs.length > 0)
    deregistered = (await deregisterContainerInstances(ctx, s.cluster.name, launchedByUs)).length;
  return { ids, deregistered };
}

/** The second phase: terminates these instances, waits for `terminated`, and forgets them. */
export async function terminateStackInstances(
  ctx: StepContext,
  ids: readonly string[],
  o: { timeoutMs?: number } = {},
): Promise<void> {
  if (ids.length > 0) {
    await ctx.report.step(`terminate ${ids.length} instance(s)`, (update) =>
      terminateInstances(ctx, ids, { timeoutMs: o.timeoutMs, update }),
    );
  }
  if (ctx.state.current.instances) await ctx.state.record({ instances: undefined });
}
