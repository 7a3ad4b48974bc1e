/** What `service show` prints: the service, its deployments, targets and auto scaling, as text. */
import type { ServiceView } from '../../steps/service/view.js';
import type { AutoScalingView } from '../../steps/service/autoscaling.js';
import * as dayTwo from './service-day-two.js';

export function renderService(s: ServiceView & { autoScaling?: AutoScalingView }): string {
  if (!s.exists)
    return `${s.name}: does not exist${s.status ? ` (${s.status})` : ''}${s.cluster ? ` in cluster ${s.cluster}` : ''}`;
  const cb = s.circuitBreaker;
  const lines = [
    `${s.name} ${s.status} (${s.schedulingStrategy ?? 'REPLICA'}, ${s.launchType ?? 'EC2'}) in cluster ${s.cluster}`,
    `  arn              ${s.arn}`,
    `  task definition  ${s.taskDefinition}`,
    `  tasks            ${s.desired} desired, ${s.running} running, ${s.pending} pending`,
    `  circuit breaker  ${cb?.enable ? `on, rollback ${cb.rollback ? 'on' : 'off'}` : 'off'}${s.minimumHealthyPercent !== undefined ? `; min ${s.minimumHealthyPercent}% / max ${s.maximumPercent}%` : ''}`,
  ];
  for (const lb of s.loadBalancers ?? []) {
    lines.push(
      `  load balancer    ${tgName(lb.targetGroupArn)} → ${lb.containerName}:${lb.containerPort}, health check grace ${s.healthCheckGracePeriodSeconds ?? 0}s`,
    );
  }
  if ((s.loadBalancers ?? []).length === 0) lines.push('  load balancer    none');
  if (s.autoScaling) lines.push(dayTwo.autoScalingLine(s.autoScaling));
  lines.push('  deployments');
  for (const d of s.deployments ?? []) {
    lines.push(
      `    ${d.status.padEnd(8)} ${d.id} ${d.taskDefinition} rollout ${d.rolloutState ?? '-'}: ${d.running}/${d.desired} running, ${d.pending} pending, ${d.failedTasks} failed`,
    );
    if (d.rolloutStateReason) lines.push(`             ${d.rolloutStateReason}`);
  }
  if (s.targets) {
    const t = s.targetSummary!;
    const others = t.notHealthy.map((n) => `, ${n.count} ${n.state}`).join('');
    lines.push(
      `  targets          ${t.registered} registered: ${t.healthy} healthy${others}${t.draining ? `, ${t.draining} draining` : ''}`,
    );
    for (const x of s.targets)
      lines.push(
        `    ${x.id}${x.port ? `:${x.port}` : ''} ${x.state}${x.reason ? ` ${x.reason}` : ''}${x.description ? ` (${x.description})` : ''}`,
      );
  }
  lines.push(`  events${(s.events ?? []).length ? '' : '           none'}`);
  for (const e of s.events ?? []) lines.push(`    ${e.createdAt ?? ''} ${e.message}`);
  return lines.join('\n');
}

const tgName = (arn: string | undefined) => /:targetgroup\/([^/]+)\//.exec(arn ?? '')?.[1] ?? arn ?? '-';
