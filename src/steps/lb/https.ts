/**
 * The HTTPS side of the load balancer with --domain: an HTTPS:443 listener forwarding to the target
 * group with the certificate and a TLS 1.2+ policy, the HTTP listener's redirect action, and the
 * load balancer security group admitting exactly the two listener ports.
 */
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NEW_CERTIFICATE } from '../../aws/not-yet.js';
import { retryOn } from '../../aws/retry-on.js';
import { assertOwned, keyValueTags } from '../../aws/tags.js';
import { missingStep } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';
import { elbTags, NOT_FOUND } from './elb-tags.js';
import { forwardTarget } from './listener.js';
import { HTTPS_PORT } from './redirect.js';
import { lbIngress } from '../network/security-groups.js';
import type { ConvergeOutcome } from '../outcome.js';
import { fieldChange, type FieldChange } from '../changes.js';

/**
 * TLS 1.3 and 1.2 only, forward-secret ciphers: AWS's recommended policy for ALBs (the default
 * ELBSecurityPolicy-2016-08 still accepts TLS 1.0 and 1.1).
 */
export const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

async function listenerOnPort(ctx: StepContext, loadBalancerArn: string, port: number): Promise<Listener | undefined> {
  try {
    const out = await ctx.aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    return (out.Listeners ?? []).find((l) => l.Port === port);
  } catch (e) {
    throw asOperationError("describe the load balancer's listeners", e);
  }
}

/** What ModifyListener would correct on the HTTPS listener: protocol, TLS policy, certificate, target. */
export function httpsListenerChanges(
  found: Listener,
  s: { targetGroupArn: string; certificateArn: string },
): FieldChange[] {
  const target = forwardTarget(found.DefaultActions);
  return [
    ...fieldChange('Protocol', found.Protocol, 'HTTPS'),
    ...fieldChange('SslPolicy', found.SslPolicy, TLS_POLICY),
    ...fieldChange('Certificates', found.Certificates?.[0]?.CertificateArn, s.certificateArn),
    ...(target === s.targetGroupArn
      ? []
      : [
          {
            field: 'DefaultActions',
            old: `forward to ${target ?? 'something else'}`,
            new: `forward to ${s.targetGroupArn}`,
          },
        ]),
  ];
}

/**
 * Makes sure HTTPS:443 forwards to the target group with this certificate and TLS policy, and
 * records it. Ours but different: ModifyListener. Not ours: refused. Created right after the
 * certificate is ISSUED, when ELB may still answer CertificateNotFound for a few seconds
 * (hashicorp/terraform-provider-aws#17505), so that answer is retried briefly.
 */
export async function ensureHttpsListener(
  ctx: StepContext,
  s: { loadBalancerArn: string; targetGroupArn: string; certificateArn: string },
): Promise<{ outcome: ConvergeOutcome; arn: string; changed: string[] }> {
  const stack = stackOf(ctx);
  const elb = ctx.aws.elb;
  const what = `HTTPS listener on port ${HTTPS_PORT}`;
  const found = await listenerOnPort(ctx, s.loadBalancerArn, HTTPS_PORT);
  const desired = {
    Protocol: 'HTTPS' as const,
    Port: HTTPS_PORT,
    SslPolicy: TLS_POLICY,
    Certificates: [{ CertificateArn: s.certificateArn }],
    DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: s.targetGroupArn }],
  };
  let arn: string;
  const changed: string[] = [];
  if (found) {
    arn = found.ListenerArn!;
    assertOwned('listener', `${what} (${arn})`, await elbTags(elb, arn, what), stack);
    changed.push(...httpsListenerChanges(found, s).map((c) => c.field));
    if (changed.length > 0) {
      await withCertificateRetry(ctx, `update ${what}`, () =>
        elb.send(new ModifyListenerCommand({ ListenerArn: arn, ...desired })),
      );
    }
  } else {
    const out = await withCertificateRetry(ctx, `create ${what}`, () =>
      elb.send(
        new CreateListenerCommand({ LoadBalancerArn: s.loadBalancerArn, ...desired, Tags: keyValueTags(stack) }),
      ),
    );
    arn = out.Listeners![0]!.ListenerArn!;
  }
  if (ctx.state.current.httpsListener?.arn !== arn)
    await ctx.state.record({ httpsListener: { arn, port: HTTPS_PORT } });
  return { outcome: found ? (changed.length ? 'updated' : 'unchanged') : 'created', arn, changed };
}

/** CreateListener/ModifyListener just after ISSUED: ELBv2 may not see the certificate for a few seconds. */
async function withCertificateRetry<T>(ctx: StepContext, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await retryOn(ctx, NEW_CERTIFICATE, call);
  } catch (e) {
    throw asOperationError(what, e);
  }
}

/** Deletes the recorded HTTPS listener; gone counts as deleted, one without our tag is refused. */
export async function deleteHttpsListener(ctx: StepContext): Promise<'deleted' | 'absent'> {
  const recorded = ctx.state.current.httpsListener;
  if (!recorded) return 'absent';
  const elb = ctx.aws.elb;
  let exists: boolean;
  try {
    exists =
      ((await elb.send(new DescribeListenersCommand({ ListenerArns: [recorded.arn] }))).Listeners ?? []).length > 0;
  } catch (e) {
    if (!isAwsError(e, ...NOT_FOUND.listener, ...NOT_FOUND.loadBalancer))
      throw asOperationError('describe the HTTPS listener', e);
    exists = false;
  }
  if (exists) {
    assertOwned(
      'listener',
      `HTTPS:${recorded.port} (${recorded.arn})`,
      await elbTags(elb, recorded.arn, 'the HTTPS listener'),
      stackOf(ctx),
    );
    try {
      await elb.send(new DeleteListenerCommand({ ListenerArn: recorded.arn }));
    } catch (e) {
      if (!isAwsError(e, ...NOT_FOUND.listener)) throw asOperationError('delete the HTTPS listener', e);
    }
  }
  await ctx.state.record({ httpsListener: undefined });
  return exists ? 'deleted' : 'absent';
}

/**
 * Makes the recorded load balancer security group admit exactly tcp `ports` from `cidr`: missing
 * rules are authorized, any other ingress rule is revoked (the group is ours, and with HTTPS an
 * old listener port left open would be one more way in). Unchanged: no call but the describe.
 */
export async function ensureLbIngressExactly(
  ctx: StepContext,
  o: { ports: readonly number[]; cidr: string },
): Promise<{ authorized: number[]; revoked: number }> {
  const recorded = ctx.state.current.lbSecurityGroup;
  if (!recorded) throw missingStep('load balancer security group', 'lb create');
  const ec2 = ctx.aws.ec2;
  let existing: IpPermission[];
  try {
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [recorded.id] }))).SecurityGroups?.[0];
    assertOwned('security group', `${recorded.name} (${recorded.id})`, group?.Tags, stackOf(ctx));
    existing = group?.IpPermissions ?? [];
  } catch (e) {
    throw asOperationError(`describe security group ${recorded.name}`, e);
  }
  const wanted = (p: IpPermission) =>
    p.IpProtocol === 'tcp' &&
    p.FromPort === p.ToPort &&
    o.ports.includes(p.FromPort ?? -1) &&
    (p.UserIdGroupPairs ?? []).length === 0 &&
    (p.Ipv6Ranges ?? []).length === 0 &&
    (p.PrefixListIds ?? []).length === 0 &&
    (p.IpRanges ?? []).every((r) => r.CidrIp === o.cidr);
  const extra = existing.filter((p) => !wanted(p));
  const missing = o.ports.filter(
    (port) => !existing.some((p) => wanted(p) && p.FromPort === port && (p.IpRanges ?? []).length > 0),
  );
  try {
    if (missing.length > 0) {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: recorded.id,
          IpPermissions: missing.map((port) => lbIngress(port, o.cidr)),
        }),
      );
    }
    if (extra.length > 0)
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: recorded.id, IpPermissions: extra }));
  } catch (e) {
    if (!isAwsError(e, 'InvalidPermission.Duplicate', 'InvalidPermission.NotFound'))
      throw asOperationError(`set the ingress rules of ${recorded.name}`, e);
  }
  return { authorized: missing, revoked: extra.length };
}
