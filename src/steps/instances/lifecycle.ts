/**
 * Waiting on the container instances and taking them down: running → registered with the
 * cluster (what the ECS agent does on boot), and deregister → terminate → terminated.
 * Every wait is a bounded pollUntil loop on its own schedule (WAITS), with a progress line.
 */
import { TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { DeregisterContainerInstanceCommand, type ContainerInstance } from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NEW_INSTANCE } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { OperationError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { listContainerInstances } from '../cluster/container-instances.js';
import { clockOf, type StepContext } from '../context.js';
import type { WaitOptions } from '../outcome.js';
import { instancesById } from './launch.js';

/** An emulator runs no ECS agent: only the stand-in registers its instances. */
const EMULATOR_AGENT_HINT =
  'Emulators run no ECS agent: is the agent stand-in running (`node scripts/standin/agent.mjs --endpoint URL`, or `bash scripts/playground.sh start`)?';

export interface Fleet {
  readonly instances: Instance[];
  /** ACTIVE container instances of the cluster that run on one of the given EC2 instances. */
  readonly registered: ContainerInstance[];
}

/** The registration wait: which instances, in which cluster (the schedule is WAITS.instancesRegistered). */
export interface RegistrationWaitOptions extends Omit<WaitOptions, 'schedule'> {
  readonly ids: readonly string[];
  readonly cluster: string;
  /** @default 600_000 */
  readonly timeoutMs?: number;
  /** Receives "2/2 running, 1/2 registered (14s)". */
  readonly update?: (detail: string) => void;
}

/**
 * Resolves once every instance is running and registered as an ACTIVE container instance of the
 * cluster. An instance that stops or terminates meanwhile fails at once with EC2's reason;
 * timing out throws WaitTimeoutError (exit 4) naming what was still missing.
 */
export async function waitForRegistration(ctx: StepContext, o: RegistrationWaitOptions): Promise<Fleet> {
  const n = o.ids.length;
  const counts = (f: Fleet) => `${running(f).length}/${n} running, ${f.registered.length}/${n} registered`;
  let last: Fleet | undefined;
  try {
    return await pollUntil({
      ...clockOf(ctx),
      what: `${n} instance(s) to run and register with cluster ${o.cluster}`,
      schedule: WAITS.instancesRegistered,
      timeoutMs: o.timeoutMs ?? 600_000,
      read: async () => (last = await readFleet(ctx, o.ids, o.cluster)),
      onPoll: (f, elapsed) => o.update?.(`${counts(f)} (${formatElapsed(elapsed)})`),
      done: (f) => {
        const lost = f.instances.filter((i) => !['pending', 'running'].includes(i.State?.Name ?? ''));
        if (lost.length > 0) {
          throw new OperationError(
            `instance ${lost.map((i) => `${i.InstanceId} is ${i.State?.Name}${i.StateReason?.Message ? ` (${i.StateReason.Message})` : ''}`).join(', ')}`,
            {
              hint: 'Run `ecsctl instances create` again to replace it.',
            },
          );
        }
        return running(f).length === n && f.registered.length === n;
      },
      hint: 'An instance that runs but never registers usually cannot reach ECS (no public IP or NAT), has the wrong ECS_CLUSTER in its user data, or lacks its instance profile; see `ecsctl instances list`.',
      emulatorHint: EMULATOR_AGENT_HINT,
    });
  } catch (e) {
    if (last && e instanceof WaitTimeoutError)
      throw new WaitTimeoutError(`${e.message}: ${counts(last)}`, { hint: e.hint, emulatorHint: e.emulatorHint });
    throw e;
  }
}

/** The instances and their ACTIVE container instances in the cluster. */
export async function readFleet(ctx: StepContext, ids: readonly string[], cluster: string): Promise<Fleet> {
  const [instances, containerInstances] = await Promise.all([
    instancesById(ctx.aws.ec2, ids),
    listContainerInstances(ctx.aws.ecs, cluster).catch((e) => {
      if (isAwsError(e, 'ClusterNotFoundException')) return [];
      throw asOperationError(`list container instances of cluster ${cluster}`, e);
    }),
  ]);
  const wanted = new Set(ids);
  return {
    instances,
    registered: containerInstances.filter((ci) => ci.status === 'ACTIVE' && wanted.has(ci.ec2InstanceId ?? '')),
  };
}

/**
 * Deregisters (force) the cluster's container instances that run on these EC2 instances. Real
 * ECS otherwise keeps a terminated instance's registration about 20 minutes, and DeleteCluster
 * fails meanwhile. Already deregistered counts as done. Returns the container instance ARNs.
 */
export async function deregisterContainerInstances(
  ctx: StepContext,
  cluster: string,
  ids: readonly string[],
): Promise<string[]> {
  const wanted = new Set(ids);
  let all: ContainerInstance[];
  try {
    all = await listContainerInstances(ctx.aws.ecs, cluster);
  } catch (e) {
    if (isAwsError(e, 'ClusterNotFoundException')) return [];
    throw asOperationError(`list container instances of cluster ${cluster}`, e);
  }
  const ours = all.filter((ci) => wanted.has(ci.ec2InstanceId ?? '') && ci.status !== 'INACTIVE');
  for (const ci of ours) {
    try {
      await ctx.aws.ecs.send(
        new DeregisterContainerInstanceCommand({ cluster, containerInstance: ci.containerInstanceArn!, force: true }),
      );
    } catch (e) {
      if (!isAwsError(e, 'ClusterNotFoundException', 'InvalidParameterException'))
        throw asOperationError(`deregister container instance ${ci.ec2InstanceId}`, e);
    }
  }
  return ours.map((ci) => ci.containerInstanceArn!);
}

/**
 * Terminates the instances and waits (bounded, default 5 min; about 30-40 s on AWS) until each is
 * terminated or gone. IDs AWS no longer knows count as terminated.
 */
export async function terminateInstances(
  ctx: StepContext,
  ids: readonly string[],
  o: { timeoutMs?: number; update?: (d: string) => void } = {},
): Promise<void> {
  if (ids.length === 0) return;
  try {
    // NotFound can mean "launched seconds ago, not visible yet" (EC2 eventual consistency):
    // retry for a while before taking it for "gone", or a young instance would be left running.
    await retryOn(ctx, NEW_INSTANCE, () => ctx.aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids] })));
  } catch (e) {
    if (!isAwsError(e, 'InvalidInstanceID.NotFound')) throw asOperationError(`terminate ${ids.join(', ')}`, e);
    // Some are gone for good: terminate the rest one by one, ignoring the gone ones.
    for (const id of ids) {
      await ctx.aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })).catch((err) => {
        if (!isAwsError(err, 'InvalidInstanceID.NotFound')) throw asOperationError(`terminate ${id}`, err);
      });
    }
  }
  await pollUntil({
    ...clockOf(ctx),
    what: `${ids.length} instance(s) to terminate`,
    schedule: WAITS.instancesTerminated,
    timeoutMs: o.timeoutMs ?? 300_000,
    read: () => instancesById(ctx.aws.ec2, ids),
    onPoll: (found, elapsed) =>
      o.update?.(
        `${ids.length - found.filter((i) => i.State?.Name !== 'terminated').length}/${ids.length} terminated (${formatElapsed(elapsed)})`,
      ),
    done: (found) => found.every((i) => i.State?.Name === 'terminated'),
    hint: 'Run `ecsctl instances delete` again later; it carries on from where it stopped.',
  });
}

function running(f: Fleet): Instance[] {
  return f.instances.filter((i) => i.State?.Name === 'running');
}
