/**
 * The EC2 container instances themselves (walkthrough: `aws ec2 run-instances` with eight flags
 * and a user-data file). Launch is converging and crash-safe:
 *  - the stack's live instances are found by tag, not only from the state file, because a crash
 *    can fall between RunInstances returning and the IDs being written (and moto ignores
 *    ClientToken, so the tag is the only protection there);
 *  - a fresh ClientToken is written to the state *before* the call and reused only if that launch
 *    is resumed. A token fixed per stack would be wrong: AWS keeps a token's result, so a launch
 *    after `instances delete` would get the terminated instances back.
 * Instances are spread over the subnets one RunInstances call per subnet (a call takes a single
 * subnet; one call would put them all in one availability zone).
 */
import { randomBytes } from 'node:crypto';
import { paginateDescribeInstances, RunInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NEW_SECURITY_GROUP } from '../../aws/not-yet.js';
import { isRetryable } from '../../aws/retry-on.js';
import { ec2TagSpec, STACK_TAG } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { formatElapsed } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import type { Outcome } from '../outcome.js';
import { fieldChange, type FieldChange } from '../changes.js';

export type InstancesRecord = NonNullable<State['instances']>;
export interface SubnetChoice {
  readonly id: string;
  readonly az: string;
}

/** States in which an instance counts as one of the stack's running fleet. */
export const LIVE_STATES = ['pending', 'running'];
/** Every state but terminated: what delete and list look at. */
export const PRESENT_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

export interface LaunchSpec {
  readonly count: number;
  readonly instanceType: string;
  readonly imageId: string;
  /** Candidate subnets, in order of preference; instances are spread over them. */
  readonly subnets: readonly SubnetChoice[];
  readonly securityGroupId: string;
  readonly profileName: string;
  readonly clusterName: string;
  readonly keyName?: string;
  /** How long to retry RunInstances while a new instance profile propagates. @default 60_000 */
  readonly profileRetryMs?: number;
}

export interface LaunchResult {
  readonly outcome: Outcome;
  readonly instances: { readonly id: string; readonly subnetId?: string; readonly az?: string }[];
  readonly launched: string[];
}

/** The user data that makes the ECS agent join the cluster (the walkthrough's userdata.sh). */
export function userData(clusterName: string): string {
  return `#!/bin/bash\necho ECS_CLUSTER=${clusterName} >> /etc/ecs/ecs.config\n`;
}

/**
 * What `ensureInstances` does to the live fleet: it launches the missing instances (a change); more
 * instances than `count`, or instances of another type, it leaves as they are (`leftAlone`).
 */
export function fleetChanges(
  live: readonly Instance[],
  spec: Pick<LaunchSpec, 'count' | 'instanceType'>,
): { readonly missing: number; readonly changes: FieldChange[]; readonly leftAlone: FieldChange[] } {
  const missing = spec.count - live.length;
  const types = [...new Set(live.map((i) => i.InstanceType))].sort();
  const count = fieldChange('instance count', live.length, spec.count);
  return {
    missing,
    changes: missing > 0 ? count : [],
    leftAlone: [
      ...(missing < 0 ? count : []),
      ...(types.length > 0 ? fieldChange('instance type', types, spec.instanceType) : []),
    ],
  };
}

/**
 * Brings the stack's live instance count up to `count`: finds what runs (by tag), launches only
 * the missing ones, records every ID the moment its call returns. More than `count` running is
 * left alone (ecsctl does not scale in) with a warning.
 */
export async function ensureInstances(ctx: StepContext, spec: LaunchSpec): Promise<LaunchResult> {
  const stack = stackOf(ctx);
  const ec2 = ctx.aws.ec2;
  const recorded = ctx.state.current.instances;
  const live = await findStackInstances(ec2, stack, LIVE_STATES);
  const liveIds = live.map((i) => i.InstanceId!);
  const { missing } = fleetChanges(live, spec);
  if (missing <= 0) {
    if (missing < 0)
      ctx.report.warn(
        `${live.length} instances are running, more than --count ${spec.count}; ecsctl does not terminate the extra ones`,
      );
    warnIfDifferent(ctx, live, spec);
    // Compared as sets: DescribeInstances gives no order, and a reordered list is no change to record.
    if (recorded?.launchToken || [...(recorded?.ids ?? [])].sort().join() !== [...liveIds].sort().join()) {
      await ctx.state.record({ instances: { ...recorded, ids: liveIds, launchToken: undefined } });
    }
    return { outcome: 'unchanged', instances: live.map(view), launched: [] };
  }

  // Reuse the token only to resume a launch that was started and not finished.
  const token = recorded?.launchToken ?? randomBytes(8).toString('hex');
  let current: InstancesRecord = { ids: liveIds, ami: spec.imageId, type: spec.instanceType, launchToken: token };
  await ctx.state.record({ instances: current });
  const launched: Instance[] = [];
  for (const { subnet, count } of placement(live, spec.subnets, missing)) {
    // Ctrl-C: what was launched is recorded; the token stays so a rerun resumes the rest.
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    const out = await runInSubnet(ctx, spec, subnet, count, `${token}-${subnet.id}`.slice(0, 64));
    launched.push(...out);
    current = { ...current, ids: [...current.ids, ...out.map((i) => i.InstanceId!)] };
    await ctx.state.record({ instances: current });
  }
  await ctx.state.record({ instances: { ...current, launchToken: undefined } });
  return {
    outcome: recorded && recorded.ids.length > 0 ? 'recreated' : 'created',
    instances: [...live, ...launched].map(view).sort((a, b) => a.id.localeCompare(b.id)),
    launched: launched.map((i) => i.InstanceId!),
  };
}

/**
 * Which subnet gets how many of the `missing` instances: each goes to the subnet with the fewest
 * live ones so far (ties: the earlier subnet), so two instances land in two availability zones.
 */
export function placement(
  live: readonly Instance[],
  subnets: readonly SubnetChoice[],
  missing: number,
): { subnet: SubnetChoice; count: number }[] {
  if (subnets.length === 0) throw new OperationError('no subnet to launch instances in');
  const load = subnets.map((s) => live.filter((i) => i.SubnetId === s.id).length);
  const add = subnets.map(() => 0);
  for (let n = 0; n < missing; n++) {
    let best = 0;
    for (let i = 1; i < subnets.length; i++) if (load[i]! + add[i]! < load[best]! + add[best]!) best = i;
    add[best]!++;
  }
  return subnets.map((subnet, i) => ({ subnet, count: add[i]! })).filter((p) => p.count > 0);
}

/**
 * True for the error RunInstances gives while a just-created instance profile is not yet visible
 * to EC2: InvalidParameterValue "Value (…) for parameter iamInstanceProfile.name is invalid.
 * Invalid IAM Instance Profile name". InvalidParameterValue covers many parameters, and only the
 * message says which one, so this is the one place that reads a message.
 */
export function isProfilePropagationError(e: unknown): boolean {
  return isAwsError(e, 'InvalidParameterValue') && /instance ?profile/i.test((e as Error).message ?? '');
}

async function runInSubnet(
  ctx: StepContext,
  spec: LaunchSpec,
  subnet: SubnetChoice,
  count: number,
  clientToken: string,
): Promise<Instance[]> {
  const stack = stackOf(ctx);
  const budget = spec.profileRetryMs ?? 60_000;
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await ctx.aws.ec2.send(
        new RunInstancesCommand({
          ImageId: spec.imageId,
          InstanceType: spec.instanceType as never,
          MinCount: count,
          MaxCount: count,
          SubnetId: subnet.id,
          // The instance group's default egress rule lets the agent reach ECS; no other group needed.
          SecurityGroupIds: [spec.securityGroupId],
          IamInstanceProfile: { Name: spec.profileName },
          UserData: Buffer.from(userData(spec.clusterName)).toString('base64'),
          ...(spec.keyName ? { KeyName: spec.keyName } : {}),
          ClientToken: clientToken,
          // IMDSv2 only. Hop limit 1: a container on the bridge network is one hop further away, so
          // it cannot reach the metadata service and take the instance role's credentials; the
          // agent (host network) gives tasks their own task-role credentials instead.
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
          TagSpecifications: [
            ec2TagSpec('instance', stack, `${stack}-ecs`),
            ec2TagSpec('volume', stack, `${stack}-ecs`),
          ],
        }),
      );
      return out.Instances ?? [];
    } catch (e) {
      const elapsed = ctx.now() - started;
      if (isRetryable(e, NEW_SECURITY_GROUP) && elapsed < budget) {
        // The instance group was created seconds ago; EC2 may not know it everywhere yet.
        const delay = attempt === 1 ? 1_000 : 2_000;
        ctx.report.info(
          `security group ${spec.securityGroupId} not yet visible to EC2 (${(e as Error).name}, attempt ${attempt}, ${formatElapsed(elapsed)}); retrying in ${delay / 1000}s`,
        );
        await ctx.sleep(delay);
        continue;
      }
      if (isProfilePropagationError(e) && elapsed < budget) {
        const delay = attempt === 1 ? 1_000 : 2_000;
        ctx.report.info(
          `instance profile ${spec.profileName} not yet usable by EC2 (IAM propagation, attempt ${attempt}, ${formatElapsed(elapsed)}); retrying in ${delay / 1000}s`,
        );
        await ctx.sleep(delay);
        continue;
      }
      if (isAwsError(e, 'IdempotentParameterMismatch')) {
        // An interrupted launch with this token asked for something else; start afresh next time.
        await ctx.state.record({
          instances: { ...(ctx.state.current.instances ?? { ids: [] }), launchToken: undefined },
        });
        throw new OperationError(
          `launch instances in ${subnet.id}: an earlier interrupted launch used different settings`,
          {
            cause: e,
            hint: 'Run `ecsctl instances list`, then the same command again.',
          },
        );
      }
      throw asOperationError(`launch ${count} ${spec.instanceType} instance(s) in ${subnet.id} (${subnet.az})`, e);
    }
  }
}

/** The stack's instances (tag `ecsctl:stack=<stack>`) in the given states. */
export async function findStackInstances(
  ec2: EC2Client,
  stack: string,
  states: readonly string[],
): Promise<Instance[]> {
  return describeInstances(
    ec2,
    [
      { Name: `tag:${STACK_TAG}`, Values: [stack] },
      { Name: 'instance-state-name', Values: [...states] },
    ],
    "find the stack's instances",
  );
}

/**
 * Instances by ID through a filter, not InstanceIds: just after RunInstances, AWS may not know
 * an ID yet, and a filter then returns nothing for it instead of failing the whole call.
 */
export async function instancesById(ec2: EC2Client, ids: readonly string[]): Promise<Instance[]> {
  if (ids.length === 0) return [];
  return describeInstances(ec2, [{ Name: 'instance-id', Values: [...ids] }], 'describe instances');
}

async function describeInstances(
  ec2: EC2Client,
  Filters: { Name: string; Values: string[] }[],
  what: string,
): Promise<Instance[]> {
  const found: Instance[] = [];
  try {
    for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters }))
      for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []));
  } catch (e) {
    throw asOperationError(what, e);
  }
  return found.sort((a, b) => a.InstanceId!.localeCompare(b.InstanceId!));
}

function view(i: Instance) {
  return { id: i.InstanceId!, subnetId: i.SubnetId, az: i.Placement?.AvailabilityZone };
}

function warnIfDifferent(ctx: StepContext, live: readonly Instance[], spec: LaunchSpec): void {
  const types = new Set(live.map((i) => i.InstanceType));
  const images = new Set(live.map((i) => i.ImageId));
  if (types.size > 0 && !(types.size === 1 && types.has(spec.instanceType as never))) {
    ctx.report.warn(
      `running instances are ${[...types].join(', ')}, not ${spec.instanceType}; run \`ecsctl instances delete\` and create again to change the type`,
    );
  }
  if (images.size > 0 && !(images.size === 1 && images.has(spec.imageId))) {
    ctx.report.info(`running instances use ${[...images].join(', ')}; new launches would use ${spec.imageId}`);
  }
}
