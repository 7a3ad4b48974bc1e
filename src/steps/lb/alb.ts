/**
 * The application load balancer `<name>-lb` (walkthrough: `aws elbv2 create-load-balancer`, then
 * `describe-load-balancers | jq` to find its ARN again). The ARN and DNS name are recorded the
 * moment CreateLoadBalancer returns; the wait for `active` (about 2.5 minutes on AWS) polls every
 * few seconds instead of the SDK waiter's 15–120 s backoff.
 */
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NEW_SECURITY_GROUP } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { assertOwned, hasStackTag, keyValueTags, STACK_TAG } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { clockOf, stackOf, type StepContext } from '../context.js';
import { elbTags, elbTagsIfPresent, NOT_FOUND } from './elb-tags.js';
import type { ConvergeOutcome, WaitOptions } from '../outcome.js';
import { withoutRefusedZones } from './zones.js';

export type LoadBalancerRecord = { readonly name: string; readonly arn: string; readonly dnsName: string };

export interface LoadBalancerSettings {
  readonly internal: boolean;
  /** One per availability zone, at least two (see subnetsForLoadBalancer). */
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

export interface LoadBalancerResult {
  readonly outcome: ConvergeOutcome;
  readonly loadBalancer: LoadBalancerRecord;
  /** provisioning | active | active_impaired | failed, as the last call saw it. */
  readonly state?: string;
  readonly changed: string[];
}

export const loadBalancerName = (stack: string) => `${stack}-lb`;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Makes sure `<name>-lb` exists as an application load balancer with this scheme, these subnets
 * and only this security group, and is recorded. Does not wait for it to become active.
 * An existing one of ours is converged (SetSubnets / SetSecurityGroups only when they differ);
 * a scheme or type cannot change in place, which is an error; one without our tag is refused.
 */
export async function ensureLoadBalancer(ctx: StepContext, s: LoadBalancerSettings): Promise<LoadBalancerResult> {
  const stack = stackOf(ctx);
  const name = loadBalancerName(stack);
  const elb = ctx.aws.elb;
  const scheme = s.internal ? 'internal' : 'internet-facing';
  const found = await findLoadBalancer(elb, ctx.state.current.loadBalancer?.arn, name);
  if (!found) {
    let lb: LoadBalancer;
    try {
      // Its security group may be seconds old (EC2 eventual consistency), and the account may
      // have a zone no load balancer can use (zones.ts): both are retried, visibly.
      const out = await withoutRefusedZones(ctx, s.subnetIds, (subnetIds) =>
        retryOn(ctx, NEW_SECURITY_GROUP, () =>
          elb.send(
            new CreateLoadBalancerCommand({
              Name: name,
              Type: 'application',
              Scheme: scheme,
              IpAddressType: 'ipv4',
              Subnets: subnetIds,
              SecurityGroups: [s.securityGroupId],
              Tags: keyValueTags(stack),
            }),
          ),
        ),
      );
      lb = out.LoadBalancers![0]!;
    } catch (e) {
      throw asOperationError(`create load balancer ${name}`, e);
    }
    const record = toRecord(lb);
    await ctx.state.record({ loadBalancer: record });
    return { outcome: 'created', loadBalancer: record, state: lb.State?.Code, changed: [] };
  }

  assertOwned('load balancer', name, await elbTags(elb, found.LoadBalancerArn!, `load balancer ${name}`), stack);
  if (found.Type !== 'application' || found.Scheme !== scheme) {
    throw new OperationError(
      `load balancer ${name} is ${found.Scheme} ${found.Type}, not ${scheme} application; that cannot be changed in place`,
      {
        hint: `Pass ${found.Scheme === 'internal' ? '--internal' : 'no --internal'} to keep it, or run \`ecsctl lb delete\` and create it again.`,
      },
    );
  }
  const record = toRecord(found);
  const recorded = ctx.state.current.loadBalancer;
  if (recorded?.arn !== record.arn || recorded.dnsName !== record.dnsName)
    await ctx.state.record({ loadBalancer: record });
  const changed: string[] = [];
  try {
    if (!sameSet(found.SecurityGroups ?? [], [s.securityGroupId])) {
      await elb.send(
        new SetSecurityGroupsCommand({ LoadBalancerArn: record.arn, SecurityGroups: [s.securityGroupId] }),
      );
      changed.push('SecurityGroups');
    }
    const subnets = (found.AvailabilityZones ?? []).map((z) => z.SubnetId!).filter(Boolean);
    if (!sameSet(subnets, s.subnetIds)) {
      const set = await withoutRefusedZones(ctx, s.subnetIds, async (ids) => {
        if (sameSet(subnets, ids)) return false; // what is left is what it already has
        await elb.send(new SetSubnetsCommand({ LoadBalancerArn: record.arn, Subnets: ids }));
        return true;
      });
      if (set) changed.push('Subnets');
    }
  } catch (e) {
    throw asOperationError(`update load balancer ${name}`, e);
  }
  return { outcome: changed.length ? 'updated' : 'unchanged', loadBalancer: record, state: found.State?.Code, changed };
}

function toRecord(lb: LoadBalancer): LoadBalancerRecord {
  return { name: lb.LoadBalancerName!, arn: lb.LoadBalancerArn!, dnsName: lb.DNSName ?? '' };
}

/** The recorded load balancer (by ARN), else the one named `name`; undefined when neither exists. */
export async function findLoadBalancer(
  elb: ElasticLoadBalancingV2Client,
  arn: string | undefined,
  name: string,
): Promise<LoadBalancer | undefined> {
  const describe = async (input: { LoadBalancerArns?: string[]; Names?: string[] }) => {
    try {
      return (await elb.send(new DescribeLoadBalancersCommand(input))).LoadBalancers?.[0];
    } catch (e) {
      if (isAwsError(e, ...NOT_FOUND.loadBalancer)) return undefined;
      throw asOperationError(`describe load balancer ${name}`, e);
    }
  };
  return (arn ? await describe({ LoadBalancerArns: [arn] }) : undefined) ?? (await describe({ Names: [name] }));
}

/**
 * Polls the recorded load balancer until it is `active` (or `active_impaired`, with a warning),
 * showing its state and the elapsed time; `failed` or a vanished load balancer is an error, and
 * the timeout exits 4. Resolves with the final state code.
 */
export async function waitForLoadBalancerActive(ctx: StepContext, o: WaitOptions = {}): Promise<string> {
  const recorded = ctx.state.current.loadBalancer;
  if (!recorded) throw new OperationError('no load balancer recorded to wait for');
  const { timeoutMs = 600_000, schedule = WAITS.loadBalancerActive } = o;
  const code = await ctx.report.step(`load balancer ${recorded.name} to become active`, (update) =>
    pollUntil({
      what: `load balancer ${recorded.name} to become active`,
      ...clockOf(ctx),
      schedule,
      timeoutMs,
      hint: 'It is still provisioning: check later with `ecsctl lb show`, or run `ecsctl lb create` again with a longer --wait-timeout.',
      read: async () => {
        const lb = await findLoadBalancer(ctx.aws.elb, recorded.arn, recorded.name);
        if (!lb || lb.LoadBalancerArn !== recorded.arn)
          throw new OperationError(`load balancer ${recorded.name} disappeared while waiting for it to become active`);
        return lb.State?.Code ?? 'unknown';
      },
      onPoll: (state, elapsed) => update(`${state} (${formatElapsed(elapsed)})`),
      done: (state) => {
        if (state === 'failed')
          throw new OperationError(`load balancer ${recorded.name} failed to provision`, {
            hint: 'Run `ecsctl lb show` for its state reason, then `ecsctl lb delete` and try again.',
          });
        return state === 'active' || state === 'active_impaired';
      },
    }),
  );
  if (code === 'active_impaired')
    ctx.report.warn(`load balancer ${recorded.name} is active_impaired: it serves traffic but cannot scale`);
  return code;
}

/** A load balancer whose deletion was sent (ARN), or none to delete. */
export type LoadBalancerDeletion =
  { readonly outcome: 'deleted'; readonly arn: string } | { readonly outcome: 'absent' };

/**
 * Sends DeleteLoadBalancer for the recorded load balancer (or, when none is recorded, a `<name>-lb`
 * carrying our tag), without waiting for it to go: its interfaces' release (~90 s) starts with
 * this call, and `down` watches them from here. Its listeners go with it. One without our tag is
 * never deleted; gone counts as absent and is forgotten.
 */
export async function sendLoadBalancerDeletion(ctx: StepContext): Promise<LoadBalancerDeletion> {
  const stack = stackOf(ctx);
  const recorded = ctx.state.current.loadBalancer;
  const name = recorded?.name ?? loadBalancerName(stack);
  const elb = ctx.aws.elb;
  // The recorded ARN's tags first: when they carry the stack's tag the load balancer exists and
  // is ours, so the deletion goes out after one call rather than a describe and then the tags.
  // Anything else (gone, not ours, or moto's empty answer for an unknown ARN) takes the full path.
  const recordedTags = recorded ? await elbTagsIfPresent(elb, recorded.arn, `load balancer ${name}`) : undefined;
  let arn = recorded && recordedTags && hasStackTag(recordedTags, stack) ? recorded.arn : undefined;
  if (!arn) {
    const lb = await findLoadBalancer(elb, recorded?.arn, name);
    if (!lb) {
      await forgetLoadBalancer(ctx);
      return { outcome: 'absent' };
    }
    arn = lb.LoadBalancerArn!;
    const tags = await elbTags(elb, arn, `load balancer ${name}`);
    if (arn === recorded?.arn) assertOwned('load balancer', name, tags, stack);
    else if (!hasStackTag(tags, stack)) {
      ctx.report.info(`load balancer ${name} exists but is not this stack's (no ${STACK_TAG} tag); left alone`);
      await forgetLoadBalancer(ctx);
      return { outcome: 'absent' };
    }
  }
  try {
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  } catch (e) {
    if (!isAwsError(e, ...NOT_FOUND.loadBalancer)) throw asOperationError(`delete load balancer ${name}`, e);
  }
  return { outcome: 'deleted', arn };
}

/** Waits until describe no longer finds the deleted load balancer (exit 4 after `timeoutMs`), then forgets it. */
export async function waitForLoadBalancerDeleted(ctx: StepContext, arn: string, o: WaitOptions = {}): Promise<void> {
  const name = ctx.state.current.loadBalancer?.name ?? loadBalancerName(stackOf(ctx));
  const { timeoutMs = 600_000, schedule = WAITS.loadBalancerDeleted } = o;
  await ctx.report.step(`load balancer ${name} to be deleted`, (update) =>
    pollUntil({
      what: `load balancer ${name} to be deleted`,
      ...clockOf(ctx),
      schedule,
      timeoutMs,
      hint: 'Run `ecsctl lb delete` again later.',
      read: async () => (await findLoadBalancer(ctx.aws.elb, arn, name))?.LoadBalancerArn === arn,
      onPoll: (exists, elapsed) => update(`${exists ? 'deleting' : 'gone'} (${formatElapsed(elapsed)})`),
      done: (exists) => !exists,
    }),
  );
  await forgetLoadBalancer(ctx);
}

/**
 * Deletes the load balancer (sendLoadBalancerDeletion) and waits until it is gone, bounded by
 * `timeoutMs` (exit 4). Gone counts as deleted; one without our tag is never deleted.
 */
export async function deleteLoadBalancer(ctx: StepContext, o: WaitOptions = {}): Promise<'deleted' | 'absent'> {
  const sent = await sendLoadBalancerDeletion(ctx);
  if (sent.outcome === 'absent') return 'absent';
  await waitForLoadBalancerDeleted(ctx, sent.arn, o);
  return 'deleted';
}

/** The load balancer and its listener leave the state together: DeleteLoadBalancer takes both. */
async function forgetLoadBalancer(ctx: StepContext): Promise<void> {
  if (ctx.state.current.loadBalancer || ctx.state.current.listener)
    await ctx.state.record({ loadBalancer: undefined, listener: undefined });
}
