/** What `lb create`, `lb show` and `lb delete` print on stdout (text mode). */
import type { LbCreateResult, LbDeleteResult } from '../../steps/lb/lb.js';
import type { LbView } from '../../steps/lb/show.js';

export function renderCreate(r: LbCreateResult): string {
  const changed = (c: string[]) => (c.length ? ` (${c.join(', ')})` : '');
  return [
    `${r.outcome}: ${r.url}`,
    `  load balancer   ${r.loadBalancer.name}  ${r.loadBalancer.outcome}${changed(r.loadBalancer.changed)}  ${r.loadBalancer.state ?? ''}  ${r.loadBalancer.arn}`,
    `  target group    ${r.targetGroup.name}  ${r.targetGroup.outcome}${changed(r.targetGroup.changed)}  ${r.targetGroup.arn}`,
    `  listener        HTTP:${r.listener.port} → ${r.targetGroup.name}  ${r.listener.outcome}${changed(r.listener.changed)}`,
    `  security group  ${r.securityGroup.name}  ${r.securityGroup.id}`,
    `  subnets         ${r.subnets.join(', ')} (${r.vpcId})`,
    ...(r.https
      ? [
          `  https           ${r.https.domain}: ${r.https.front}`,
          `  certificate     ${r.https.certificate}`,
          `  alias           ${r.https.alias}`,
        ]
      : []),
  ].join('\n');
}

export function renderShow(r: LbView): string {
  if (!r.loadBalancer && !r.targetGroup && !r.listener) return `no load balancer recorded for stack ${r.stack}`;
  const lines: string[] = [];
  const lbv = r.loadBalancer;
  if (lbv) {
    lines.push(lbv.exists ? `${lbv.name}  ${lbv.state}  ${lbv.scheme}` : `${lbv.name}: does not exist`);
    if (lbv.exists)
      lines.push(
        `  url             ${lbv.url}`,
        `  arn             ${lbv.arn}`,
        `  subnets         ${lbv.subnets?.join(', ')} (${lbv.availabilityZones?.join(', ')})`,
        `  security groups ${lbv.securityGroups?.join(', ')}`,
      );
  }
  const l = r.listener;
  if (l)
    lines.push(
      l.exists
        ? `  listener        ${l.protocol}:${l.port} → ${l.forwardsTo && l.forwardsTo === r.targetGroup?.arn ? r.targetGroup.name : (l.forwardsTo ?? 'something other than one target group')}`
        : `  listener        port ${l.port}: does not exist`,
    );
  const tg = r.targetGroup;
  if (tg) {
    if (!tg.exists) lines.push(`${tg.name}: does not exist`);
    else {
      const hc = tg.healthCheck ?? {};
      const targets =
        Object.entries(tg.targets ?? {})
          .map(([s, n]) => `${n} ${s}`)
          .join(', ') || 'none registered';
      lines.push(
        `${tg.name}  port ${tg.port}`,
        `  health check    ${hc.path} every ${hc.intervalSeconds}s, timeout ${hc.timeoutSeconds}s, healthy ${hc.healthyThreshold}, unhealthy ${hc.unhealthyThreshold}, matcher ${hc.matcher}`,
        `  deregistration  ${tg.deregistrationDelaySeconds}s`,
        `  targets         ${targets}`,
      );
    }
  }
  return lines.join('\n');
}

export function renderDelete(r: LbDeleteResult): string {
  return [
    ...(r.domain
      ? [
          `alias record ${r.domain.alias}, HTTPS listener ${r.domain.httpsListener}, certificate ${r.domain.certificate}, validation record ${r.domain.validationRecord}`,
        ]
      : []),
    `listener ${r.listener}, load balancer ${r.loadBalancer}, target group ${r.targetGroup}, security group ${r.securityGroup}`,
  ].join('\n');
}
