/**
 * `up`'s instances task, in either capacity mode: RunInstances and the wait for the ECS agent to
 * register them, or (`--capacity asg`) the launch template, Auto Scaling group and capacity
 * provider, waited for the same way. Apart from up.ts so that file stays a readable graph.
 */
import type { StepContext } from '../steps/context.js';
import { outcomeOf, type TaskOutcome } from './graph.js';
import type { UpSettings } from './settings.js';
import { groupBounds } from './up-inputs.js';

export async function upInstances(c: StepContext, s: UpSettings, imageId: string): Promise<TaskOutcome> {
  const { ensureInstances } = await import('../steps/instances/launch.js');
  const { subnetsOffering } = await import('../steps/instances/stack.js');
  const { waitForRegistration } = await import('../steps/instances/lifecycle.js');
  const st = c.state.current;
  const subnets = await subnetsOffering(c, s.instanceType, st.network!.subnets);
  if (s.capacity === 'asg') {
    const { ensureCapacity } = await import('../steps/capacity/stack.js');
    const r = await ensureCapacity(c, {
      imageId,
      instanceType: s.instanceType,
      securityGroupId: st.instanceSecurityGroup!.id,
      profileName: st.instanceRole!.profileName,
      clusterName: st.cluster!.name,
      subnets,
      count: groupBounds(s).count,
      maxInstances: groupBounds(s).max,
      targetCapacity: s.targetCapacity,
      wait: true,
      waitTimeoutMs: s.waitTimeoutMs,
      update: (d) => c.report.info(d),
    });
    return outcomeOf(
      r.outcome,
      `${r.outcome}, group ${r.autoScalingGroup.name}, ${r.registered}/${s.instanceCount} registered`,
    );
  }
  const launch = await ensureInstances(c, {
    count: s.instanceCount,
    instanceType: s.instanceType,
    imageId,
    subnets,
    securityGroupId: st.instanceSecurityGroup!.id,
    profileName: st.instanceRole!.profileName,
    clusterName: st.cluster!.name,
  });
  const fleet = await waitForRegistration(c, {
    ids: launch.instances.map((i) => i.id),
    cluster: st.cluster!.name,
    timeoutMs: s.waitTimeoutMs,
    update: (d) => c.report.info(d),
  });
  return outcomeOf(launch.outcome, `${launch.outcome}, ${fleet.registered.length}/${s.instanceCount} registered`);
}
