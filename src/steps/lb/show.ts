/**
 * `lb show`: what is recorded, as AWS sees it now. Kept apart from lb.ts so that showing loads
 * only the ELBv2 client (the EC2 client that create/delete need takes ~1.7 s to import).
 */
import { DescribeListenersCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { NOT_FOUND } from './elb-tags.js';
import { stackOf, type StepContext } from '../context.js';
import { LB_DEFAULTS } from '../../settings/defaults.js';
import { forwardTarget } from './listener.js';
import { findLoadBalancer } from './alb.js';
import { urlOf } from './probe.js';
import { deregistrationDelay, findTargetGroup } from './target-group.js';

export interface LbView {
  readonly stack: string;
  readonly loadBalancer?: {
    name: string;
    arn: string;
    exists: boolean;
    dnsName?: string;
    state?: string;
    scheme?: string;
    subnets?: string[];
    availabilityZones?: string[];
    securityGroups?: string[];
    url?: string;
  };
  readonly targetGroup?: {
    name: string;
    arn: string;
    exists: boolean;
    port?: number;
    healthCheck?: Record<string, unknown>;
    deregistrationDelaySeconds?: number;
    targets?: Record<string, number>;
  };
  readonly listener?: { arn: string; port: number; exists: boolean; protocol?: string; forwardsTo?: string };
}

/** What is recorded, as AWS sees it now. Read-only; sections not recorded are left out. */
export async function showLb(ctx: StepContext): Promise<LbView> {
  const s = ctx.state.current;
  const elb = ctx.aws.elb;
  const view: { -readonly [K in keyof LbView]: LbView[K] } = { stack: stackOf(ctx) };
  if (s.loadBalancer) {
    const lb = await findLoadBalancer(elb, s.loadBalancer.arn, s.loadBalancer.name);
    const live = lb?.LoadBalancerArn === s.loadBalancer.arn ? lb : undefined;
    view.loadBalancer = live
      ? {
          name: s.loadBalancer.name,
          arn: s.loadBalancer.arn,
          exists: true,
          dnsName: live.DNSName,
          state: live.State?.Code,
          scheme: live.Scheme,
          subnets: (live.AvailabilityZones ?? []).map((z) => z.SubnetId!),
          availabilityZones: (live.AvailabilityZones ?? []).map((z) => z.ZoneName!),
          securityGroups: live.SecurityGroups,
          url: live.DNSName ? urlOf(live.DNSName, s.listener?.port ?? LB_DEFAULTS.listenerPort) : undefined,
        }
      : { name: s.loadBalancer.name, arn: s.loadBalancer.arn, exists: false };
  }
  if (s.targetGroup) {
    const tg = await findTargetGroup(elb, s.targetGroup.arn, s.targetGroup.name);
    if (tg?.TargetGroupArn === s.targetGroup.arn) {
      let targets: Record<string, number> = {};
      try {
        const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
        targets = (health.TargetHealthDescriptions ?? []).reduce<Record<string, number>>((acc, t) => {
          const key = t.TargetHealth?.State ?? 'unknown';
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {});
      } catch (e) {
        throw asOperationError(`describe the health of target group ${s.targetGroup.name}`, e);
      }
      view.targetGroup = {
        name: s.targetGroup.name,
        arn: s.targetGroup.arn,
        exists: true,
        port: tg.Port,
        healthCheck: {
          path: tg.HealthCheckPath,
          intervalSeconds: tg.HealthCheckIntervalSeconds,
          timeoutSeconds: tg.HealthCheckTimeoutSeconds,
          healthyThreshold: tg.HealthyThresholdCount,
          unhealthyThreshold: tg.UnhealthyThresholdCount,
          matcher: tg.Matcher?.HttpCode,
        },
        deregistrationDelaySeconds: await deregistrationDelay(elb, tg.TargetGroupArn, s.targetGroup.name),
        targets,
      };
    } else view.targetGroup = { name: s.targetGroup.name, arn: s.targetGroup.arn, exists: false };
  }
  if (s.listener) {
    const live = view.loadBalancer?.exists ? await describeListener(ctx, s.listener.arn) : undefined;
    view.listener = live
      ? {
          arn: s.listener.arn,
          port: s.listener.port,
          exists: true,
          protocol: live.Protocol,
          forwardsTo: forwardTarget(live.DefaultActions),
        }
      : { arn: s.listener.arn, port: s.listener.port, exists: false };
  }
  return view;
}

async function describeListener(ctx: StepContext, arn: string) {
  try {
    return (await ctx.aws.elb.send(new DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners?.[0];
  } catch (e) {
    // Only "not found" means the listener is gone (shown as exists: false); an AccessDenied or a
    // throttle must not be reported as a missing listener.
    if (isAwsError(e, ...NOT_FOUND.listener)) return undefined;
    throw asOperationError(`describe listener ${arn}`, e);
  }
}
