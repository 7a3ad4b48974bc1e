/**
 * `instances refresh` (asg mode): a new AMI (the current ECS-optimized one, or `--ami`) or
 * instance type becomes a new launch template version, and an instance refresh rolls the group
 * onto it: new instances launch before old ones go (min healthy 100 %, max 200 %), ECS drains each
 * old instance (managed draining) and the group moves to the new version only when the refresh
 * succeeds (desired configuration + auto rollback). The refresh ID is recorded the moment it
 * exists, so a rerun after a crash waits on that refresh rather than starting another.
 */
import {
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { OperationError, UsageError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import { resolveAmi } from '../instances/ami.js';
import { findAutoScalingGroup, groupName } from './autoscaling-group.js';
import { ensureTemplateVersion, templateVersionData } from './launch-template.js';

export interface RefreshInput {
  readonly instanceType?: string;
  readonly ami?: string;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly update?: (d: string) => void;
}

export interface RefreshResult {
  readonly outcome: 'unchanged' | 'started' | 'resumed';
  readonly group: string;
  readonly templateVersion: number;
  readonly changes: string[];
  readonly refreshId?: string;
  /** Final status when waited for (Successful), else the status when the command returned. */
  readonly status?: string;
}

const FINISHED = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export async function refreshInstances(ctx: StepContext, input: RefreshInput): Promise<RefreshResult> {
  const state = ctx.state.current;
  const c = state.capacity;
  if (c?.mode !== 'asg' || !c.launchTemplate) {
    throw new UsageError(
      '`instances refresh` applies to --capacity asg stacks, and this one has no Auto Scaling group recorded',
      {
        hint: 'Run `ecsctl instances create --capacity asg` first; RunInstances instances are replaced with `instances delete` + `create`.',
      },
    );
  }
  const name = c.autoScalingGroup?.name ?? groupName(stackOf(ctx));
  const asg = ctx.aws.autoscaling;
  const inFlight = c.refresh?.id ?? (await findInProgress(ctx, name))?.InstanceRefreshId;
  if (inFlight) {
    if (!c.refresh) await ctx.state.record({ capacity: { ...c, refresh: { id: inFlight } } });
    return finish(ctx, name, inFlight, 'resumed', c.launchTemplate.version, [], input);
  }
  const live = await templateVersionData(ctx.aws.ec2, c.launchTemplate);
  const instanceType = input.instanceType ?? live?.InstanceType ?? 't3.small';
  const ami = await resolveAmi(ctx, { instanceType, ami: input.ami });
  if (!state.instanceSecurityGroup || !state.instanceRole || !state.cluster)
    throw new UsageError('the instance security group, role or cluster is missing from the state', {
      hint: 'Run `ecsctl instances create --capacity asg` first.',
    });
  const version = await ensureTemplateVersion(ctx, {
    imageId: ami.imageId,
    instanceType,
    securityGroupId: state.instanceSecurityGroup.id,
    profileName: state.instanceRole.profileName,
    clusterName: state.cluster.name,
    keyName: live?.KeyName,
  });
  const group = await findAutoScalingGroup(asg, name);
  if (!group) throw new OperationError(`Auto Scaling group ${name} is recorded but no longer exists`);
  const onVersion = (group.Instances ?? []).every(
    (i) => i.LaunchTemplate?.Version === String(version.template.version),
  );
  if (!version.differs?.length && group.LaunchTemplate?.Version === String(version.template.version) && onVersion) {
    return { outcome: 'unchanged', group: name, templateVersion: version.template.version, changes: [] };
  }
  let id: string;
  try {
    const out = await asg.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: name,
        Strategy: 'Rolling',
        DesiredConfiguration: {
          LaunchTemplate: { LaunchTemplateId: version.template.id, Version: String(version.template.version) },
        },
        Preferences: {
          // Launch before terminating: the service never runs short while instances roll.
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: 200,
          SkipMatching: true,
          AutoRollback: true,
          // ECS protects instances that run tasks; replace them anyway (ECS drains them first).
          ScaleInProtectedInstances: 'Refresh',
          StandbyInstances: 'Terminate',
        },
      }),
    );
    id = out.InstanceRefreshId!;
  } catch (e) {
    if (isAwsError(e, 'InstanceRefreshInProgressFault', 'InstanceRefreshInProgress')) {
      const running = await findInProgress(ctx, name);
      if (running?.InstanceRefreshId) {
        id = running.InstanceRefreshId;
      } else throw asOperationError(`start an instance refresh of ${name}`, e);
    } else throw asOperationError(`start an instance refresh of ${name}`, e);
  }
  await ctx.state.record({ capacity: { ...ctx.state.current.capacity!, refresh: { id } } });
  return finish(
    ctx,
    name,
    id,
    'started',
    version.template.version,
    version.differs ?? ['instances not on the recorded version'],
    input,
  );
}

async function finish(
  ctx: StepContext,
  group: string,
  id: string,
  outcome: 'started' | 'resumed',
  templateVersion: number,
  changes: string[],
  input: RefreshInput,
): Promise<RefreshResult> {
  const base = { outcome, group, templateVersion, changes, refreshId: id };
  if (!input.wait) return { ...base, status: (await describeRefresh(ctx, group, id))?.Status };
  let last: InstanceRefresh | undefined;
  try {
    last = await pollUntil({
      sleep: ctx.sleep,
      now: ctx.now,
      what: `instance refresh ${id} of ${group}`,
      schedule: WAITS.instanceRefresh,
      timeoutMs: input.timeoutMs,
      read: async () => (last = await describeRefresh(ctx, group, id)),
      onPoll: (r, elapsed) =>
        input.update?.(`${r?.Status ?? 'unknown'}, ${r?.PercentageComplete ?? 0}% (${formatElapsed(elapsed)})`),
      done: (r) => FINISHED.has(r?.Status ?? ''),
      hint: 'The refresh goes on without ecsctl; run `ecsctl instances refresh` again to keep waiting for it.',
    });
  } catch (e) {
    if (e instanceof WaitTimeoutError && last)
      throw new WaitTimeoutError(`${e.message}: ${last.Status}, ${last.PercentageComplete ?? 0}%`, { hint: e.hint });
    throw e;
  }
  const c = ctx.state.current.capacity;
  if (c?.refresh) await ctx.state.record({ capacity: { ...c, refresh: undefined } });
  if (last?.Status !== 'Successful') {
    throw new OperationError(
      `instance refresh ${id} of ${group} ended ${last?.Status}${last?.StatusReason ? `: ${last.StatusReason}` : ''}`,
      { hint: 'The group keeps its previous launch template version; see `ecsctl instances list`.' },
    );
  }
  return { ...base, status: last.Status };
}

async function describeRefresh(ctx: StepContext, group: string, id: string): Promise<InstanceRefresh | undefined> {
  try {
    const out = await ctx.aws.autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, InstanceRefreshIds: [id] }),
    );
    return out.InstanceRefreshes?.[0];
  } catch (e) {
    throw asOperationError(`describe instance refresh ${id} of ${group}`, e);
  }
}

async function findInProgress(ctx: StepContext, group: string): Promise<InstanceRefresh | undefined> {
  try {
    const out = await ctx.aws.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group }));
    return out.InstanceRefreshes?.find((r) => !FINISHED.has(r.Status ?? ''));
  } catch (e) {
    throw asOperationError(`list instance refreshes of ${group}`, e);
  }
}
