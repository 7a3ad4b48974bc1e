/**
 * The target group `<name>-tg` (walkthrough: `aws elbv2 create-target-group --protocol HTTP
 * --port 8080`), with health checks and deregistration delay tuned for a fast first deploy and a
 * fast teardown instead of AWS's defaults (30 s × 5 health checks; 300 s draining).
 */
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned, hasStackTag, keyValueTags, STACK_TAG } from '../../aws/tags.js';
import { missingStep, OperationError, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, nextInterval, WAITS } from '../../util/poll.js';
import { stackOf, type StepContext } from '../context.js';
import { elbTags, NOT_FOUND } from './elb-tags.js';
import { fieldChange, type FieldChange } from '../changes.js';

export type TargetGroupRecord = { readonly name: string; readonly arn: string };
import type { ConvergeOutcome } from '../outcome.js';

/** Everything about the group that `lb create` flags can set. Durations in whole seconds. */
export interface TargetGroupSettings {
  readonly port: number;
  readonly healthCheckPath: string;
  readonly healthCheckIntervalSeconds: number;
  readonly healthCheckTimeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly deregistrationDelaySeconds: number;
}

export const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';

export const targetGroupName = (stack: string) => `${stack}-tg`;

/** The health check as CreateTargetGroup/ModifyTargetGroup take it. */
function healthCheck(s: TargetGroupSettings) {
  return {
    HealthCheckEnabled: true,
    HealthCheckProtocol: 'HTTP' as const,
    HealthCheckPort: 'traffic-port',
    HealthCheckPath: s.healthCheckPath,
    HealthCheckIntervalSeconds: s.healthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: s.healthCheckTimeoutSeconds,
    HealthyThresholdCount: s.healthyThreshold,
    UnhealthyThresholdCount: s.unhealthyThreshold,
    Matcher: { HttpCode: '200' },
  };
}

/** Names of the health-check fields whose live value differs from the settings. */
export function healthCheckDrift(tg: TargetGroup, s: TargetGroupSettings): string[] {
  return healthCheckChanges(tg, s).map((c) => c.field);
}

/** Each health-check field whose live value differs from the settings, old → new (AWS's field names). */
export function healthCheckChanges(tg: TargetGroup, s: TargetGroupSettings): FieldChange[] {
  const want = healthCheck(s);
  return [
    ...fieldChange('HealthCheckEnabled', tg.HealthCheckEnabled ?? true, want.HealthCheckEnabled),
    ...fieldChange('HealthCheckProtocol', tg.HealthCheckProtocol ?? 'HTTP', want.HealthCheckProtocol),
    ...fieldChange('HealthCheckPort', tg.HealthCheckPort ?? 'traffic-port', want.HealthCheckPort),
    ...fieldChange('HealthCheckPath', tg.HealthCheckPath, want.HealthCheckPath),
    ...fieldChange('HealthCheckIntervalSeconds', tg.HealthCheckIntervalSeconds, want.HealthCheckIntervalSeconds),
    ...fieldChange('HealthCheckTimeoutSeconds', tg.HealthCheckTimeoutSeconds, want.HealthCheckTimeoutSeconds),
    ...fieldChange('HealthyThresholdCount', tg.HealthyThresholdCount, want.HealthyThresholdCount),
    ...fieldChange('UnhealthyThresholdCount', tg.UnhealthyThresholdCount, want.UnhealthyThresholdCount),
    ...fieldChange('Matcher', tg.Matcher?.HttpCode, want.Matcher.HttpCode),
  ];
}

export interface TargetGroupResult {
  readonly outcome: ConvergeOutcome;
  readonly targetGroup: TargetGroupRecord;
  /** What a converging run changed ("HealthCheckPath", "deregistration_delay.timeout_seconds", …). */
  readonly changed: string[];
}

/**
 * Makes sure `<name>-tg` exists in the recorded VPC with these settings and is recorded. An
 * existing group of ours is converged (ModifyTargetGroup / ModifyTargetGroupAttributes only for
 * what differs, so a rerun makes no mutating call); one without our tag is refused. Protocol,
 * port, VPC and target type cannot change in place: a difference there is an error.
 */
export async function ensureTargetGroup(ctx: StepContext, s: TargetGroupSettings): Promise<TargetGroupResult> {
  const stack = stackOf(ctx);
  const vpcId = ctx.state.current.network?.vpcId;
  if (!vpcId) throw missingStep('network', 'lb create');
  const name = targetGroupName(stack);
  const elb = ctx.aws.elb;
  let tg = await findTargetGroup(elb, ctx.state.current.targetGroup?.arn, name);
  let outcome: ConvergeOutcome = 'unchanged';
  if (tg) {
    assertOwned('target group', name, await elbTags(elb, tg.TargetGroupArn!, `target group ${name}`), stack);
    assertShape(tg, s, vpcId);
  } else {
    try {
      const out = await elb.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: s.port,
          VpcId: vpcId,
          TargetType: 'instance',
          ...healthCheck(s),
          Tags: keyValueTags(stack),
        }),
      );
      tg = out.TargetGroups![0]!;
    } catch (e) {
      throw asOperationError(`create target group ${name}`, e);
    }
    outcome = 'created';
  }
  const record = { name, arn: tg.TargetGroupArn! };
  if (ctx.state.current.targetGroup?.arn !== record.arn) await ctx.state.record({ targetGroup: record });

  const changed: string[] = [];
  const drift = outcome === 'created' ? [] : healthCheckDrift(tg, s);
  if (drift.length > 0) {
    try {
      await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: record.arn, ...healthCheck(s) }));
    } catch (e) {
      throw asOperationError(`update the health check of target group ${name}`, e);
    }
    changed.push(...drift);
  }
  // AWS offers no way to set attributes in CreateTargetGroup, so a new group gets them here.
  if ((await deregistrationDelay(elb, record.arn, name)) !== s.deregistrationDelaySeconds) {
    await setDeregistrationDelay(elb, record.arn, name, s.deregistrationDelaySeconds);
    if (outcome !== 'created') changed.push(DEREGISTRATION_DELAY);
  }
  if (outcome === 'unchanged' && changed.length > 0) outcome = 'updated';
  return { outcome, targetGroup: record, changed };
}

function assertShape(tg: TargetGroup, s: TargetGroupSettings, vpcId: string): void {
  const diffs: string[] = [];
  if (tg.Protocol !== 'HTTP') diffs.push(`protocol ${tg.Protocol}, not HTTP`);
  if (tg.Port !== s.port) diffs.push(`port ${tg.Port}, not ${s.port}`);
  if (tg.VpcId !== vpcId) diffs.push(`VPC ${tg.VpcId}, not the recorded ${vpcId}`);
  if ((tg.TargetType ?? 'instance') !== 'instance') diffs.push(`target type ${tg.TargetType}, not instance`);
  if (diffs.length === 0) return;
  throw new OperationError(
    `target group ${tg.TargetGroupName} has ${diffs.join(', ')}; those cannot be changed in place`,
    {
      hint: `Pass the settings it was created with${tg.Port !== s.port ? ` (--container-port ${tg.Port})` : ''}, or run \`ecsctl lb delete\` and create it again.`,
    },
  );
}

/** The recorded group (by ARN), else the one named `name`; undefined when neither exists. */
export async function findTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  arn: string | undefined,
  name: string,
): Promise<TargetGroup | undefined> {
  const describe = async (input: { TargetGroupArns?: string[]; Names?: string[] }) => {
    try {
      return (await elb.send(new DescribeTargetGroupsCommand(input))).TargetGroups?.[0];
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND.targetGroup)) return undefined;
      throw asOperationError(`describe target group ${name}`, e);
    }
  };
  return (arn ? await describe({ TargetGroupArns: [arn] }) : undefined) ?? (await describe({ Names: [name] }));
}

export async function deregistrationDelay(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
  name: string,
): Promise<number | undefined> {
  try {
    const out = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
    const value = out.Attributes?.find((a) => a.Key === DEREGISTRATION_DELAY)?.Value;
    return value === undefined ? undefined : Number(value);
  } catch (e) {
    throw asOperationError(`read the attributes of target group ${name}`, e);
  }
}

async function setDeregistrationDelay(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
  name: string,
  seconds: number,
): Promise<void> {
  try {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: DEREGISTRATION_DELAY, Value: String(seconds) }],
      }),
    );
  } catch (e) {
    throw asOperationError(`set ${DEREGISTRATION_DELAY} on target group ${name}`, e);
  }
}

/**
 * Lowers the recorded group's deregistration delay to `seconds` (default 0) when it is higher, so
 * that a teardown does not wait for targets to drain: `down` calls this before it deletes the
 * service. No recorded group, a group already gone, or one already at or below → no call.
 * A group without our tag is left alone (returns 'skipped').
 */
export async function lowerDeregistrationDelay(
  ctx: StepContext,
  seconds = 0,
): Promise<'lowered' | 'unchanged' | 'absent' | 'skipped'> {
  const recorded = ctx.state.current.targetGroup;
  if (!recorded) return 'absent';
  const elb = ctx.aws.elb;
  const tg = await findTargetGroup(elb, recorded.arn, recorded.name);
  if (!tg || tg.TargetGroupArn !== recorded.arn) return 'absent';
  if (!hasStackTag(await elbTags(elb, recorded.arn, `target group ${recorded.name}`), stackOf(ctx))) return 'skipped';
  const current = await deregistrationDelay(elb, recorded.arn, recorded.name);
  if (current !== undefined && current <= seconds) return 'unchanged';
  await setDeregistrationDelay(elb, recorded.arn, recorded.name, seconds);
  return 'lowered';
}

export interface DeleteTargetGroupOptions {
  /** How long to retry ResourceInUse (a just-deleted listener can take a moment to let go); `down` passes --wait-timeout. @default 60_000 */
  readonly timeoutMs?: number;
}

/**
 * Deletes the recorded group (or, when none is recorded, a `<name>-tg` that carries our tag),
 * retrying ResourceInUse until `timeoutMs` (then exit 4 naming the load balancers still using
 * it). Gone counts as deleted; a group without our tag is never deleted.
 */
export async function deleteTargetGroup(
  ctx: StepContext,
  o: DeleteTargetGroupOptions = {},
): Promise<'deleted' | 'absent'> {
  const stack = stackOf(ctx);
  const recorded = ctx.state.current.targetGroup;
  const name = recorded?.name ?? targetGroupName(stack);
  const elb = ctx.aws.elb;
  const tg = await findTargetGroup(elb, recorded?.arn, name);
  if (!tg) {
    if (recorded) await ctx.state.record({ targetGroup: undefined });
    return 'absent';
  }
  const tags = await elbTags(elb, tg.TargetGroupArn!, `target group ${name}`);
  // The recorded group itself without our tag is an error; a same-named stranger is just not ours.
  if (tg.TargetGroupArn === recorded?.arn) assertOwned('target group', name, tags, stack);
  else if (!hasStackTag(tags, stack)) {
    ctx.report.info(`target group ${name} exists but is not this stack's (no ${STACK_TAG} tag); left alone`);
    if (recorded) await ctx.state.record({ targetGroup: undefined });
    return 'absent';
  }
  const { timeoutMs = 60_000 } = o;
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn! }));
      break;
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND.targetGroup)) break;
      if (!isAwsError(e, 'ResourceInUseException', 'ResourceInUse'))
        throw asOperationError(`delete target group ${name}`, e);
      const elapsed = ctx.now() - started;
      if (elapsed >= timeoutMs) {
        const users = (await findTargetGroup(elb, tg.TargetGroupArn, name))?.LoadBalancerArns ?? [];
        throw new WaitTimeoutError(
          `target group ${name} is still in use after ${formatElapsed(elapsed)}${users.length ? `: by ${users.join(', ')}` : ''}`,
          {
            hint: 'Delete the listener or rule that forwards to it (`ecsctl lb delete` does), then run the command again.',
          },
        );
      }
      ctx.report.info(
        `target group ${name} still in use (ResourceInUse, attempt ${attempt}, ${formatElapsed(elapsed)}); retrying`,
      );
      await ctx.sleep(
        Math.min(nextInterval(WAITS.shortRetry, attempt - 1, 0, ctx.random ?? Math.random), timeoutMs - elapsed),
      );
    }
  }
  await ctx.state.record({ targetGroup: undefined });
  return 'deleted';
}
