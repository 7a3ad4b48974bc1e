/**
 * What `up`'s settings ask of each step, declared once: the graph's tasks pass these to the
 * ensure steps, and `up --dry-run` compares the same inputs with what AWS holds, so the plan
 * cannot drift from what `up` does.
 */
import { LB_DEFAULTS } from '../settings/defaults.js';
import type { State } from '../state/schema.js';
import type { ListenerSettings } from '../steps/lb/listener.js';
import type { TargetGroupSettings } from '../steps/lb/target-group.js';
import type { UpdateServiceInput } from '../steps/service/update.js';
import type { TaskDefinitionOptions } from '../steps/taskdef/ensure.js';
import type { UpSettings } from './settings.js';

/** The task definition `up` registers (or reuses) for the image it runs. */
export function taskDefinitionOptions(s: UpSettings, image: string): TaskDefinitionOptions {
  return {
    image,
    containerPort: s.containerPort,
    memory: s.memory,
    cpu: s.cpu,
    logs: s.logs,
    logRetentionDays: s.logRetentionDays,
    env: s.env,
    secrets: s.secret,
  };
}

/** The target group: `lb create`'s defaults with up's container port and health-check path. */
export function targetGroupSettings(s: UpSettings): TargetGroupSettings {
  return { ...LB_DEFAULTS, port: s.containerPort, healthCheckPath: s.healthCheckPath };
}

/**
 * The HTTP listener `up`'s listener task asks for: forwarding to the target group; with a domain,
 * a stack already serving HTTPS keeps its redirect (the https task turns it into one otherwise).
 */
export function listenerSettings(s: UpSettings, state: State, hasDomain: boolean): ListenerSettings {
  return {
    loadBalancerArn: state.loadBalancer!.arn,
    targetGroupArn: state.targetGroup!.arn,
    port: s.listenerPort,
    redirectToHttps: hasDomain && state.httpsListener !== undefined,
  };
}

/**
 * How `up` converges a live service: the recorded revision, the target group attached, and the
 * desired count — never sent while auto scaling (asked for now, or recorded before) owns it, so a
 * rerun cannot undo a scale-out (terraform-aws-ecs#346).
 */
export function serviceUpdateInput(s: UpSettings, state: State, taskDefinitionArn: string): UpdateServiceInput {
  const range = s.autoScaling ?? state.autoScaling;
  return { desiredCount: range ? undefined : s.desiredCount, taskDefinition: taskDefinitionArn, attachLb: true };
}

/** The Auto Scaling group's bounds in asg mode: min = --instance-count, max = --max-instances or twice the count. */
export function groupBounds(s: UpSettings): { readonly count: number; readonly max: number } {
  return { count: s.instanceCount, max: s.maxInstances ?? 2 * s.instanceCount };
}

/**
 * The capacity mode `up` runs with: the flag, else the mode the stack already has; a switch on a
 * live stack is refused (exit 2) before any AWS call.
 */
export async function settledCapacity(s: UpSettings, state: State): Promise<UpSettings> {
  // Loaded here, not at the top: mode.ts brings the ECS client, which up loads per task.
  const { assertCapacityMode, recordedMode } = await import('../steps/capacity/mode.js');
  const settled = { ...s, capacity: s.capacity ?? recordedMode(state) };
  assertCapacityMode(state, settled.capacity);
  return settled;
}
