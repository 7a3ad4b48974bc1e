/**
 * The ECS capacity provider `<name>-capacity` on the Auto Scaling group, and its place as the
 * cluster's default strategy. Managed scaling lets ECS size the group to what the tasks need
 * (target capacity 100 %: no idle instance kept), managed termination protection keeps scale-in
 * off instances that still run tasks, managed draining drains an instance before it goes.
 *
 * Deleting one is where other tools hang: AWS accepts DeleteCapacityProvider for a provider still
 * associated with a cluster and only marks it `updateStatus: DELETE_FAILED` (terraform-provider-aws
 * #48156, ekristen/aws-nuke#542) — a wait on `status` alone then never ends. Here the provider is
 * taken off the cluster first, and DELETE_FAILED ends the wait at once with AWS's reason.
 */
import {
  CreateCapacityProviderCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  PutClusterCapacityProvidersCommand,
  UpdateCapacityProviderCommand,
  type CapacityProvider,
  type CapacityProviderStrategyItem,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, ecsTags } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { findActiveCluster } from '../cluster/cluster.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { fieldChange, type FieldChange } from '../changes.js';

export const providerName = (stack: string): string => `${stack}-capacity`;
export const DEFAULT_TARGET_CAPACITY = 100;

export interface ProviderRecord {
  readonly name: string;
  readonly arn: string;
}

export interface ProviderResult {
  readonly outcome: Outcome | 'updated';
  readonly provider: ProviderRecord;
  readonly differs?: string[];
}

/** The one-provider strategy services and tasks of the stack use. */
export function strategyFor(provider: string): CapacityProviderStrategyItem[] {
  return [{ capacityProvider: provider, weight: 1, base: 0 }];
}

/**
 * Finds `<name>-capacity` or creates it on the group, with managed scaling (target capacity),
 * managed termination protection and managed draining on; records it when the call returns.
 */
export async function ensureCapacityProvider(
  ctx: StepContext,
  o: { groupArn: string; targetCapacity: number },
): Promise<ProviderResult> {
  const stack = stackOf(ctx);
  const name = providerName(stack);
  const recorded = ctx.state.current.capacity?.capacityProvider;
  const found = await findCapacityProvider(ctx.aws.ecs, name);
  if (found) {
    assertOwned('ECS capacity provider', name, found.tags, stack);
    const record = { name, arn: found.capacityProviderArn! };
    if (recorded?.arn !== record.arn) await recordProvider(ctx, record);
    const live = found.autoScalingGroupProvider;
    if (providerChanges(found, o).length > 0 && live?.autoScalingGroupArn === o.groupArn) {
      // The group cannot change on a provider; its managed settings can (--target-capacity).
      try {
        await ctx.aws.ecs.send(
          new UpdateCapacityProviderCommand({
            name,
            autoScalingGroupProvider: {
              managedScaling: { status: 'ENABLED', targetCapacity: o.targetCapacity },
              managedTerminationProtection: 'ENABLED',
              managedDraining: 'ENABLED',
            },
          }),
        );
      } catch (e) {
        throw asOperationError(`update ECS capacity provider ${name}`, e);
      }
      return { outcome: 'updated', provider: record };
    }
    return { outcome: 'unchanged', provider: record, differs: differences(found, o) };
  }
  let created: CapacityProvider | undefined;
  try {
    created = (
      await ctx.aws.ecs.send(
        new CreateCapacityProviderCommand({
          name,
          autoScalingGroupProvider: {
            autoScalingGroupArn: o.groupArn,
            managedScaling: { status: 'ENABLED', targetCapacity: o.targetCapacity },
            managedTerminationProtection: 'ENABLED',
            managedDraining: 'ENABLED',
          },
          tags: ecsTags(stack),
        }),
      )
    ).capacityProvider;
  } catch (e) {
    // A create retried after its answer was lost finds the provider there: adopt it if ours.
    created = await findCapacityProvider(ctx.aws.ecs, name);
    if (!created) throw asOperationError(`create ECS capacity provider ${name}`, e);
    assertOwned('ECS capacity provider', name, created.tags, stack);
  }
  const record = { name, arn: created!.capacityProviderArn! };
  await recordProvider(ctx, record);
  return { outcome: recorded ? 'recreated' : 'created', provider: record };
}

/** The managed settings UpdateCapacityProvider would put back or change (--target-capacity). */
export function providerChanges(found: CapacityProvider, o: { targetCapacity: number }): FieldChange[] {
  const live = found.autoScalingGroupProvider;
  return [
    ...fieldChange('managed scaling', live?.managedScaling?.status, 'ENABLED'),
    ...fieldChange('target capacity', live?.managedScaling?.targetCapacity, o.targetCapacity),
    ...fieldChange('managed termination protection', live?.managedTerminationProtection, 'ENABLED'),
    ...fieldChange('managed draining', live?.managedDraining, 'ENABLED'),
  ];
}

/** The provider of that name with its tags, unless missing or INACTIVE (deleted). */
export async function findCapacityProvider(ecs: ECSClient, name: string): Promise<CapacityProvider | undefined> {
  try {
    // Always by name: moto answers 500 to a describe without names.
    const out = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [name], include: ['TAGS'] }));
    return out.capacityProviders?.find((p) => p.name === name && p.status !== 'INACTIVE');
  } catch (e) {
    throw asOperationError(`describe ECS capacity provider ${name}`, e);
  }
}

/**
 * Makes the provider one of the cluster's and its default strategy (PutClusterCapacityProviders
 * replaces both lists, so providers someone else added are kept). No call when already so.
 */
export async function ensureClusterStrategy(ctx: StepContext, cluster: string, provider: string): Promise<Outcome> {
  const live = await findActiveCluster(ctx.aws.ecs, cluster);
  if (!live) throw new OperationError(`cluster ${cluster} is recorded in the state but no longer exists`);
  const providers = live.capacityProviders ?? [];
  const wanted = strategyFor(provider);
  const current = live.defaultCapacityProviderStrategy ?? [];
  const same =
    providers.includes(provider) &&
    current.length === 1 &&
    current[0]!.capacityProvider === provider &&
    (current[0]!.weight ?? 0) === 1 &&
    (current[0]!.base ?? 0) === 0;
  if (same) return 'unchanged';
  try {
    await ctx.aws.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster,
        capacityProviders: [...new Set([...providers, provider])],
        defaultCapacityProviderStrategy: wanted,
      }),
    );
  } catch (e) {
    throw asOperationError(`make ${provider} the default capacity provider of cluster ${cluster}`, e);
  }
  return 'created';
}

/**
 * Takes the provider off the cluster (its list and default strategy), keeping the others. AWS
 * refuses while a service still uses it (ResourceInUseException), so `down` deletes the service
 * first. No cluster, or not on it: nothing to do.
 */
export async function detachFromCluster(
  ctx: StepContext,
  cluster: string,
  provider: string,
): Promise<'deleted' | 'absent'> {
  const live = await findActiveCluster(ctx.aws.ecs, cluster);
  if (!live || !(live.capacityProviders ?? []).includes(provider)) return 'absent';
  try {
    await ctx.aws.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster,
        capacityProviders: (live.capacityProviders ?? []).filter((p) => p !== provider),
        defaultCapacityProviderStrategy: (live.defaultCapacityProviderStrategy ?? []).filter(
          (s) => s.capacityProvider !== provider,
        ),
      }),
    );
  } catch (e) {
    if (isAwsError(e, 'ResourceInUseException'))
      throw new OperationError(
        `cannot take capacity provider ${provider} off cluster ${cluster}: a service still uses it`,
        {
          cause: e,
          hint: 'Run `ecsctl service delete` first, or `ecsctl down` to remove the whole stack.',
        },
      );
    throw asOperationError(`take capacity provider ${provider} off cluster ${cluster}`, e);
  }
  return 'deleted';
}

/**
 * Deletes the provider and waits (bounded) while AWS reports DELETE_IN_PROGRESS, until it is
 * INACTIVE or gone. DELETE_FAILED (still on a cluster, or a daemon service uses it) fails at once
 * with AWS's reason instead of waiting for something no later step would release.
 */
export async function deleteCapacityProvider(
  ctx: StepContext,
  o: { timeoutMs?: number; update?: (d: string) => void } = {},
): Promise<'deleted' | 'absent'> {
  const stack = stackOf(ctx);
  const name = ctx.state.current.capacity?.capacityProvider?.name ?? providerName(stack);
  const ecs = ctx.aws.ecs;
  const live = await findCapacityProvider(ecs, name);
  let outcome: 'deleted' | 'absent' = 'absent';
  if (live) {
    assertOwned('ECS capacity provider', name, live.tags, stack);
    if (live.updateStatus !== 'DELETE_IN_PROGRESS') {
      let answer: CapacityProvider | undefined;
      try {
        answer = (await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: name }))).capacityProvider;
      } catch (e) {
        if (!isAwsError(e, 'ClientException') || (await findCapacityProvider(ecs, name)))
          throw asOperationError(`delete ECS capacity provider ${name}`, e);
      }
      if (answer) failIfDeleteFailed(name, answer);
    }
    await pollUntil({
      sleep: ctx.sleep,
      now: ctx.now,
      what: `ECS capacity provider ${name} to be deleted`,
      schedule: WAITS.capacityDeleted,
      timeoutMs: o.timeoutMs ?? 600_000,
      read: () => findCapacityProvider(ecs, name),
      onPoll: (p, elapsed) => o.update?.(`${p ? (p.updateStatus ?? p.status) : 'deleted'} (${formatElapsed(elapsed)})`),
      done: (p) => {
        if (p) failIfDeleteFailed(name, p);
        return p === undefined;
      },
      hint: 'Run the same command again to keep waiting.',
    });
    outcome = 'deleted';
  }
  const capacity = ctx.state.current.capacity;
  if (capacity?.capacityProvider) await ctx.state.record({ capacity: { ...capacity, capacityProvider: undefined } });
  return outcome;
}

function failIfDeleteFailed(name: string, p: CapacityProvider): void {
  if (p.updateStatus !== 'DELETE_FAILED') return;
  throw new OperationError(
    `ECS refused to delete capacity provider ${name}: ${p.updateStatusReason ?? 'DELETE_FAILED'}`,
    { hint: 'Run `ecsctl down` again: it takes the provider off the cluster before deleting it.' },
  );
}

async function recordProvider(ctx: StepContext, capacityProvider: ProviderRecord): Promise<void> {
  const capacity = ctx.state.current.capacity ?? { mode: 'asg' as const };
  await ctx.state.record({ capacity: { ...capacity, capacityProvider } });
}

function differences(live: CapacityProvider, o: { groupArn: string; targetCapacity: number }): string[] {
  const p = live.autoScalingGroupProvider;
  const out: string[] = [];
  if (p?.autoScalingGroupArn !== o.groupArn) out.push(`group ${p?.autoScalingGroupArn} → ${o.groupArn}`);
  if (p?.managedScaling?.targetCapacity !== o.targetCapacity)
    out.push(`--target-capacity ${o.targetCapacity} (live: ${p?.managedScaling?.targetCapacity})`);
  return out;
}
