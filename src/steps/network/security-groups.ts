/**
 * The two least-privilege security groups. The walkthrough used one group open on :80 for both
 * the ALB and the instances, which blocks the dynamic host ports its targets listen on:
 *   <name>-lb-sg        TCP <listener port> from 0.0.0.0/0 (or --ingress-cidr)
 *   <name>-instance-sg  TCP 32768-65535 from <name>-lb-sg only; nothing open to the world
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NEW_SECURITY_GROUP } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { assertOwned, ec2TagSpec } from '../../aws/tags.js';
import { missingStep, WaitTimeoutError } from '../../errors.js';
import { formatElapsed, nextInterval, WAITS } from '../../util/poll.js';
import { waitForLoadBalancerInterfaces } from '../lb/interfaces.js';
import { stackOf, type StepContext } from '../context.js';
import { loadBalancerName } from '../lb/alb.js';

/** ECS's dynamic host ports: ip_local_port_range starts at 32768 on the ECS-optimized AMIs. */
export const DYNAMIC_PORTS = { from: 32768, to: 65535 } as const;

type GroupKey = 'lbSecurityGroup' | 'instanceSecurityGroup';
export interface GroupRecord {
  readonly id: string;
  readonly name: string;
}

export function lbIngress(port: number, cidr: string): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: cidr, Description: 'HTTP to the load balancer listener' }],
  };
}

export function instanceIngress(lbGroupId: string): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: DYNAMIC_PORTS.from,
    ToPort: DYNAMIC_PORTS.to,
    UserIdGroupPairs: [{ GroupId: lbGroupId, Description: 'ECS dynamic host ports, from the load balancer only' }],
  };
}

/** `<name>-lb-sg`, created with its one ingress rule unless it exists (then its rule is ensured). */
export async function ensureLbSecurityGroup(
  ctx: StepContext,
  o: { listenerPort: number; ingressCidr: string },
): Promise<GroupRecord> {
  return ensureGroup(
    ctx,
    'lbSecurityGroup',
    `${stackOf(ctx)}-lb-sg`,
    `ecsctl ${stackOf(ctx)}: load balancer`,
    lbIngress(o.listenerPort, o.ingressCidr),
  );
}

/** `<name>-instance-sg`: the dynamic host-port range from the LB group only. */
export async function ensureInstanceSecurityGroup(ctx: StepContext, lbGroupId: string): Promise<GroupRecord> {
  return ensureGroup(
    ctx,
    'instanceSecurityGroup',
    `${stackOf(ctx)}-instance-sg`,
    `ecsctl ${stackOf(ctx)}: container instances`,
    instanceIngress(lbGroupId),
  );
}

async function ensureGroup(
  ctx: StepContext,
  key: GroupKey,
  name: string,
  description: string,
  rule: IpPermission,
): Promise<GroupRecord> {
  const stack = stackOf(ctx);
  const vpcId = ctx.state.current.network?.vpcId;
  if (!vpcId) throw missingStep('network', 'instances create');
  const ec2 = ctx.aws.ec2;
  // Nothing recorded (a first run): create at once, and look the name up only if EC2 says it is
  // taken (a create whose answer was lost, a lost state). One call less before the load balancer,
  // which waits for this group and then provisions for minutes.
  const recordedId = ctx.state.current[key]?.id;
  let group = recordedId ? await findGroup(ec2, recordedId, name, vpcId) : undefined;
  if (group) {
    assertOwned('security group', `${name} (${group.GroupId})`, group.Tags, stack);
    if (ctx.state.current[key]?.id !== group.GroupId) await ctx.state.record({ [key]: { id: group.GroupId!, name } });
  } else {
    try {
      const out = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: description,
          VpcId: vpcId,
          TagSpecifications: [ec2TagSpec('security-group', stack, name)],
        }),
      );
      group = { GroupId: out.GroupId!, GroupName: name, IpPermissions: [] };
    } catch (e) {
      // Taken: a group from a run whose state was lost, or a create whose answer was lost (a 5xx
      // after EC2 acted; the SDK retried). Take it only if it carries our tag, as on any rerun.
      const raced = isAwsError(e, 'InvalidGroup.Duplicate') ? await findGroup(ec2, undefined, name, vpcId) : undefined;
      if (!raced) throw asOperationError(`create security group ${name}`, e);
      assertOwned('security group', `${name} (${raced.GroupId})`, raced.Tags, stack);
      group = raced;
    }
    await ctx.state.record({ [key]: { id: group.GroupId!, name } });
  }
  if (!hasRule(group.IpPermissions ?? [], rule)) {
    try {
      // Both groups may be seconds old: EC2 can still answer InvalidGroup.NotFound for either.
      await retryOn(ctx, NEW_SECURITY_GROUP, () =>
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: [rule] })),
      );
    } catch (e) {
      if (!isAwsError(e, 'InvalidPermission.Duplicate')) throw asOperationError(`authorize ingress on ${name}`, e);
    }
  }
  return { id: group.GroupId!, name };
}

async function findGroup(
  ec2: EC2Client,
  recordedId: string | undefined,
  name: string,
  vpcId: string | undefined,
): Promise<SecurityGroup | undefined> {
  try {
    if (recordedId) {
      const byId = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [recordedId] })).catch((e) => {
        if (isAwsError(e, 'InvalidGroup.NotFound', 'InvalidGroupId.NotFound', 'InvalidGroupId.Malformed'))
          return undefined;
        throw e;
      });
      if (byId?.SecurityGroups?.[0]) return byId.SecurityGroups[0];
    }
    if (!vpcId) return undefined;
    const byName = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: [name] },
          { Name: 'vpc-id', Values: [vpcId] },
        ],
      }),
    );
    return byName.SecurityGroups?.[0];
  } catch (e) {
    throw asOperationError(`describe security group ${name}`, e);
  }
}

function hasRule(existing: IpPermission[], rule: IpPermission): boolean {
  return existing.some(
    (p) =>
      p.IpProtocol === rule.IpProtocol &&
      p.FromPort === rule.FromPort &&
      p.ToPort === rule.ToPort &&
      (rule.IpRanges ?? []).every((r) => (p.IpRanges ?? []).some((x) => x.CidrIp === r.CidrIp)) &&
      (rule.UserIdGroupPairs ?? []).every((g) => (p.UserIdGroupPairs ?? []).some((x) => x.GroupId === g.GroupId)),
  );
}

export interface DeleteGroupOptions {
  /** How long to keep retrying DependencyViolation (an ALB's interfaces linger for minutes). @default 600_000 */
  readonly timeoutMs?: number;
}

/**
 * Deletes a recorded group, retrying DependencyViolation (briefly: 0.25 s doubling to 2 s, for
 * what a describe cannot show yet) until `timeoutMs`; on timeout the error names the network
 * interfaces still holding it. Gone counts as deleted; untagged is refused.
 */
export async function deleteSecurityGroup(
  ctx: StepContext,
  key: GroupKey,
  o: DeleteGroupOptions = {},
): Promise<'deleted' | 'absent'> {
  const group = await findOwnedGroup(ctx, key);
  return group ? deleteOwnedGroup(ctx, group, o) : 'absent';
}

/** A recorded group that exists and carries the stack's tag, as findOwnedGroup found it. */
export interface OwnedGroup {
  readonly key: GroupKey;
  readonly id: string;
  readonly name: string;
}

/**
 * The recorded group, checked to be this stack's (ForeignResourceError if not). One that is gone
 * is forgotten, and the answer is undefined.
 */
export async function findOwnedGroup(ctx: StepContext, key: GroupKey): Promise<OwnedGroup | undefined> {
  const recorded = ctx.state.current[key];
  if (!recorded) return undefined;
  const group = await findGroup(ctx.aws.ec2, recorded.id, recorded.name, ctx.state.current.network?.vpcId);
  if (!group || group.GroupId !== recorded.id) {
    await ctx.state.record({ [key]: undefined });
    return undefined;
  }
  assertOwned('security group', `${recorded.name} (${recorded.id})`, group.Tags, stackOf(ctx));
  return { key, id: recorded.id, name: recorded.name };
}

/**
 * Deletes a group findOwnedGroup returned, retrying DependencyViolation until `timeoutMs` (then
 * exit 4 naming what still holds it), and forgets it. Already gone counts as deleted.
 */
export async function deleteOwnedGroup(
  ctx: StepContext,
  group: OwnedGroup,
  o: DeleteGroupOptions = {},
): Promise<'deleted'> {
  const ec2 = ctx.aws.ec2;
  const { timeoutMs = 600_000 } = o;
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.id }));
      break;
    } catch (e) {
      if (isAwsError(e, 'InvalidGroup.NotFound')) break;
      if (!isAwsError(e, 'DependencyViolation')) throw asOperationError(`delete security group ${group.name}`, e);
      const elapsed = ctx.now() - started;
      if (elapsed >= timeoutMs) {
        const holders = await interfacesUsing(ec2, group.id);
        throw new WaitTimeoutError(
          `security group ${group.name} (${group.id}) is still in use after ${formatElapsed(elapsed)}${holders.length ? `: held by ${holders.join(', ')}` : ''}`,
          {
            hint: "A deleted load balancer's network interfaces can take minutes to go; run the same command again later.",
          },
        );
      }
      ctx.report.info(
        `security group ${group.name} still in use (DependencyViolation, attempt ${attempt}, ${formatElapsed(elapsed)}); retrying`,
      );
      await ctx.sleep(
        Math.min(nextInterval(WAITS.shortRetry, attempt - 1, 0, ctx.random ?? Math.random), timeoutMs - elapsed),
      );
    }
  }
  await ctx.state.record({ [group.key]: undefined });
  return 'deleted';
}

/** "eni-… (ELB app/web-lb/…)" for each interface that still uses the group. */
export async function interfacesUsing(ec2: EC2Client, groupId: string): Promise<string[]> {
  try {
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
    );
    return (out.NetworkInterfaces ?? []).map(
      (n) => `${n.NetworkInterfaceId}${n.Description ? ` (${n.Description})` : ''}`,
    );
  } catch {
    // Only ever called to name the interfaces in a DependencyViolation message: a failed read
    // must not replace that error with its own.
    return [];
  }
}

/**
 * The LB group is shared by `lb` and `instances`: whichever is deleted last removes it, once no
 * load balancer and no instance group (whose rule references it) is recorded. It first watches
 * the deleted load balancer's network interfaces go (what actually holds the group), then
 * deletes it at once.
 */
export async function deleteLbSecurityGroupIfUnused(
  ctx: StepContext,
  o: DeleteGroupOptions = {},
): Promise<'deleted' | 'absent' | 'kept'> {
  const s = ctx.state.current;
  if (!s.lbSecurityGroup) return 'absent';
  if (s.loadBalancer || s.instanceSecurityGroup) return 'kept';
  await waitForLoadBalancerInterfaces(ctx, {
    groupId: s.lbSecurityGroup.id,
    loadBalancerName: loadBalancerName(stackOf(ctx)),
    timeoutMs: o.timeoutMs,
  });
  return deleteSecurityGroup(ctx, 'lbSecurityGroup', o);
}
