/**
 * The Auto Scaling group `<name>-ecs`: keeps `--instance-count` instances of the launch template
 * running across the subnets (≥ 2 zones where the VPC has them) and replaces any that die — the
 * self-healing the RunInstances mode lacks. ECS's capacity provider scales it between min and max.
 *
 * Pinned template version, not `$Latest`: with `$Latest`, the next replacement instance would
 * launch whatever version was created last — a new AMI would roll in by accident, one instance at a
 * time, and a bad version would spread through healing alone. Pinned, the group launches exactly
 * the recorded version until `instances refresh` moves it (StartInstanceRefresh with a desired
 * configuration, which rolls back on failure).
 */
import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, STACK_TAG } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import type { SubnetChoice } from '../instances/launch.js';
import type { Outcome } from '../outcome.js';
import { fieldChange, type FieldChange } from '../changes.js';
import type { TemplateRecord } from './launch-template.js';

export const groupName = (stack: string): string => `${stack}-ecs`;

export interface GroupSpec {
  readonly template: TemplateRecord;
  readonly subnets: readonly SubnetChoice[];
  /** min = desired. */
  readonly count: number;
  readonly max: number;
}

export interface GroupRecord {
  readonly name: string;
  readonly arn?: string;
}

export interface GroupResult {
  readonly outcome: Outcome | 'updated';
  readonly group: GroupRecord;
  readonly live: AutoScalingGroup;
}

/**
 * Finds `<name>-ecs` or creates it. The name is written to the state before the call (the call
 * returns no ID, and a crash must leave `down` something to look for), the ARN as soon as a
 * describe shows it. An existing group gets new min/max bounds when the flags changed; its desired
 * count is ECS managed scaling's to set.
 */
export async function ensureAutoScalingGroup(ctx: StepContext, spec: GroupSpec): Promise<GroupResult> {
  const stack = stackOf(ctx);
  const name = groupName(stack);
  const asg = ctx.aws.autoscaling;
  const recorded = ctx.state.current.capacity?.autoScalingGroup;
  let live = await findAutoScalingGroup(asg, name);
  let outcome: Outcome | 'updated' = 'unchanged';
  if (live) {
    assertOwned('Auto Scaling group', name, live.Tags, stack);
    const { resize: desired } = groupChanges(live, spec);
    if (desired !== undefined) {
      try {
        await asg.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            MinSize: spec.count,
            MaxSize: spec.max,
            ...(desired !== live.DesiredCapacity ? { DesiredCapacity: desired } : {}),
          }),
        );
      } catch (e) {
        throw asOperationError(`resize Auto Scaling group ${name}`, e);
      }
      outcome = 'updated';
      live = (await findAutoScalingGroup(asg, name)) ?? live;
    }
  } else {
    await recordGroup(ctx, { name });
    try {
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchTemplate: { LaunchTemplateId: spec.template.id, Version: String(spec.template.version) },
          MinSize: spec.count,
          DesiredCapacity: spec.count,
          MaxSize: spec.max,
          VPCZoneIdentifier: spec.subnets.map((s) => s.id).join(','),
          // Managed termination protection needs it: ECS takes it off an instance once no task
          // runs there, so scale-in only ever removes empty instances.
          NewInstancesProtectedFromScaleIn: true,
          Tags: [
            { Key: STACK_TAG, Value: stack, PropagateAtLaunch: true },
            { Key: 'Name', Value: name, PropagateAtLaunch: true },
          ],
        }),
      );
    } catch (e) {
      // A create whose answer was lost and was retried: the group is there; adopt it if ours.
      if (!isAwsError(e, 'AlreadyExistsFault', 'AlreadyExists'))
        throw asOperationError(`create Auto Scaling group ${name}`, e);
    }
    live = await findAutoScalingGroup(asg, name);
    if (!live) throw new OperationError(`Auto Scaling group ${name} was created but cannot be described`);
    assertOwned('Auto Scaling group', name, live.Tags, stack);
    outcome = recorded ? 'recreated' : 'created';
  }
  const record = { name, arn: live.AutoScalingGroupARN };
  if (recorded?.arn !== record.arn) await recordGroup(ctx, record);
  return { outcome, group: record, live };
}

/**
 * What `ensureAutoScalingGroup` changes on a live group: when --instance-count / --max-instances
 * changed, the bounds move (min = count) and the desired count, managed scaling's to set, is only
 * pulled into the new range (`resize`: that desired count). A group being deleted is left alone.
 */
export function groupChanges(
  live: AutoScalingGroup,
  spec: Pick<GroupSpec, 'count' | 'max'>,
): { readonly resize?: number; readonly changes: FieldChange[] } {
  if (live.Status || (live.MinSize === spec.count && live.MaxSize === spec.max)) return { changes: [] };
  const desired = Math.min(Math.max(live.DesiredCapacity ?? spec.count, spec.count), spec.max);
  return {
    resize: desired,
    changes: [
      ...fieldChange('group min size', live.MinSize, spec.count),
      ...fieldChange('group max size', live.MaxSize, spec.max),
      ...fieldChange('group desired capacity', live.DesiredCapacity, desired),
    ],
  };
}

/** The group of that name with its tags and instances, or undefined. While AWS deletes it, `Status` is set. */
export async function findAutoScalingGroup(
  asg: AutoScalingClient,
  name: string,
): Promise<AutoScalingGroup | undefined> {
  try {
    const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return out.AutoScalingGroups?.[0];
  } catch (e) {
    throw asOperationError(`describe Auto Scaling group ${name}`, e);
  }
}

/**
 * Empties the group without waiting on anything a later step releases: scale-in protection off
 * the instances that have it (ECS set it, and nothing else would ever clear it — the hang of
 * aws-cdk#18179), then new instances unprotected and min = desired = 0 in one call, then a bounded
 * wait until no instance is left. Returns the instance IDs it saw.
 */
export async function emptyAutoScalingGroup(
  ctx: StepContext,
  o: { timeoutMs?: number; update?: (d: string) => void } = {},
): Promise<string[]> {
  const stack = stackOf(ctx);
  const name = ctx.state.current.capacity?.autoScalingGroup?.name ?? groupName(stack);
  const asg = ctx.aws.autoscaling;
  const live = await findAutoScalingGroup(asg, name);
  if (!live || live.Status) return [];
  assertOwned('Auto Scaling group', name, live.Tags, stack);
  const seen = (live.Instances ?? []).map((i) => i.InstanceId!);
  try {
    // Unprotect first, then scale: a group scales in when its desired count changes, and only
    // unprotected instances go (moto reconciles nothing afterwards; AWS would, a while later).
    const protectedIds = (live.Instances ?? []).filter((i) => i.ProtectedFromScaleIn).map((i) => i.InstanceId!);
    for (let i = 0; i < protectedIds.length; i += 50) {
      await asg.send(
        new SetInstanceProtectionCommand({
          AutoScalingGroupName: name,
          InstanceIds: protectedIds.slice(i, i + 50),
          ProtectedFromScaleIn: false,
        }),
      );
    }
    if (seen.length > 0 || live.MinSize !== 0 || live.DesiredCapacity !== 0 || live.NewInstancesProtectedFromScaleIn) {
      await asg.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          MinSize: 0,
          DesiredCapacity: 0,
          NewInstancesProtectedFromScaleIn: false,
        }),
      );
    }
  } catch (e) {
    throw asOperationError(`scale Auto Scaling group ${name} to 0`, e);
  }
  if (seen.length === 0) return seen;
  await pollUntil({
    sleep: ctx.sleep,
    now: ctx.now,
    what: `the instances of Auto Scaling group ${name} to terminate`,
    schedule: WAITS.groupEmptied,
    timeoutMs: o.timeoutMs ?? 600_000,
    read: () => findAutoScalingGroup(asg, name),
    onPoll: (g, elapsed) =>
      o.update?.(`${(g?.Instances ?? []).length} instance(s) left in ${name} (${formatElapsed(elapsed)})`),
    done: (g) => (g?.Instances ?? []).length === 0,
    hint: 'ECS drains each instance before it terminates (managed draining); run the same command again to keep waiting.',
  });
  return seen;
}

/**
 * Deletes the (empty) group and waits until AWS no longer lists it. ForceDelete so that a scaling
 * activity still settling does not refuse the call (ScalingActivityInProgress); the group was
 * emptied first, so nothing is terminated without draining. Gone already counts as done.
 */
export async function deleteAutoScalingGroup(
  ctx: StepContext,
  o: { timeoutMs?: number } = {},
): Promise<'deleted' | 'absent'> {
  const stack = stackOf(ctx);
  const name = ctx.state.current.capacity?.autoScalingGroup?.name ?? groupName(stack);
  const asg = ctx.aws.autoscaling;
  const live = await findAutoScalingGroup(asg, name);
  let outcome: 'deleted' | 'absent' = 'absent';
  if (live) {
    assertOwned('Auto Scaling group', name, live.Tags, stack);
    if (!live.Status) {
      try {
        await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }));
      } catch (e) {
        if (!isAwsError(e, 'ValidationError')) throw asOperationError(`delete Auto Scaling group ${name}`, e);
      }
    }
    await pollUntil({
      sleep: ctx.sleep,
      now: ctx.now,
      what: `Auto Scaling group ${name} to be deleted`,
      schedule: WAITS.capacityDeleted,
      timeoutMs: o.timeoutMs ?? 600_000,
      read: () => findAutoScalingGroup(asg, name),
      done: (g) => g === undefined,
      hint: 'Run the same command again to keep waiting.',
    });
    outcome = 'deleted';
  }
  const capacity = ctx.state.current.capacity;
  if (capacity?.autoScalingGroup) await ctx.state.record({ capacity: { ...capacity, autoScalingGroup: undefined } });
  return outcome;
}

async function recordGroup(ctx: StepContext, autoScalingGroup: GroupRecord): Promise<void> {
  const capacity = ctx.state.current.capacity ?? { mode: 'asg' as const };
  await ctx.state.record({ capacity: { ...capacity, autoScalingGroup } });
}
