/** What `instances list` and `instances refresh` print (kept apart from the flags in instances.ts). */
import type { CapacityView } from '../../steps/capacity/stack.js';
import type { RefreshResult } from '../../steps/capacity/refresh.js';
import type { InstanceView } from '../../steps/instances/stack.js';

export function renderList(
  result:
    InstanceView[] | { autoScalingGroup: NonNullable<CapacityView['autoScalingGroup']>; instances: InstanceView[] },
): string {
  if (!Array.isArray(result)) {
    const g = result.autoScalingGroup;
    const head = g.exists
      ? `Auto Scaling group ${g.name}: desired ${g.desired}, ${g.inService} in service (min ${g.min}, max ${g.max}), launch template version ${g.launchTemplateVersion}`
      : `Auto Scaling group ${g.name}: not found`;
    return `${head}\n${renderList(result.instances)}`;
  }
  const rows = result;
  if (rows.length === 0) return 'no instances';
  return rows
    .map((i) =>
      [
        i.id,
        i.state,
        i.type,
        i.az,
        i.privateIp ?? '-',
        i.publicIp ?? '-',
        i.containerInstance ? 'registered' : 'not registered',
      ].join('\t'),
    )
    .join('\n');
}

export function renderRefresh(r: RefreshResult): string {
  if (r.outcome === 'unchanged')
    return `unchanged: ${r.group} already runs launch template version ${r.templateVersion}`;
  return `${r.outcome}: instance refresh ${r.refreshId} of ${r.group} to launch template version ${r.templateVersion} (${r.changes.join(', ')}): ${r.status ?? 'started'}`;
}
