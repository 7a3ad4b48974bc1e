/**
 * Availability zones an account cannot put a load balancer in. Some older accounts have one
 * (us-east-1e, us-west-1a, …): CreateLoadBalancer then fails ValidationError "The following
 * Availability Zones us-west-1a cannot be associated with a load balancer. Please try a
 * different Availability Zone." ValidationError has many causes, so the message decides — and it
 * names the zones, which are then left out (keeping at least two) and remembered in the state.
 */
import { isAwsError } from '../../aws/errors.js';
import { OperationError } from '../../errors.js';
import type { StepContext } from '../context.js';

/** The zones ELBv2 refused, or undefined when `e` is not that refusal. */
export function zonesRefused(e: unknown): string[] | undefined {
  if (!isAwsError(e, 'ValidationError', 'InvalidSubnet', 'InvalidSubnetException')) return undefined;
  const m = /Availability Zones? (.+?) (?:cannot|can not|is not supported)/i.exec((e as Error).message ?? '');
  const zones = m?.[1]?.split(/[\s,]+/).filter((z) => /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/.test(z));
  return zones && zones.length > 0 ? zones : undefined;
}

/**
 * Runs `call` with the subnets; when ELBv2 refuses zones, records them as excluded, says so, and
 * runs it again without their subnets, as long as two zones are left.
 */
export async function withoutRefusedZones<T>(
  ctx: StepContext,
  subnetIds: readonly string[],
  call: (subnetIds: string[]) => Promise<T>,
): Promise<T> {
  let ids = [...subnetIds];
  for (;;) {
    try {
      return await call(ids);
    } catch (e) {
      const refused = zonesRefused(e);
      const network = ctx.state.current.network;
      if (!refused || !network) throw e;
      const azOf = new Map(network.subnets.map((s) => [s.id, s.az]));
      const left = ids.filter((id) => !refused.includes(azOf.get(id) ?? ''));
      if (left.length === ids.length) throw e;
      if (new Set(left.map((id) => azOf.get(id))).size < 2) {
        throw new OperationError(
          `the load balancer cannot use ${refused.join(', ')} and fewer than two other availability zones are left`,
          { cause: e, hint: 'Pass --subnets in two other availability zones.' },
        );
      }
      const excluded = [...new Set([...(network.lbExcludedZones ?? []), ...refused])].sort();
      await ctx.state.record({ network: { ...network, lbExcludedZones: excluded } });
      ctx.report.warn(
        `availability zone ${refused.join(', ')} cannot be associated with a load balancer in this account; using ${left.length} subnets without it`,
      );
      ids = left;
    }
  }
}
