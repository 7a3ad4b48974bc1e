/**
 * `--capacity instances|asg`: which of the two ways the stack runs its container instances, read
 * from the state without any AWS call, so a switch on a live stack is refused before one is made.
 */
import type { CapacityProviderStrategyItem } from '@aws-sdk/client-ecs';
import { UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import { strategyFor } from './provider.js';

export type CapacityMode = 'instances' | 'asg';

/** The mode the state records: `asg` once its first create started, else `instances`. */
export function recordedMode(state: State): CapacityMode {
  return state.capacity?.mode ?? 'instances';
}

/** True when the state records live container instances of that mode. */
export function hasLiveCapacity(state: State, mode: CapacityMode): boolean {
  if (mode === 'asg') {
    const c = state.capacity;
    return !!(c?.mode === 'asg' && (c.autoScalingGroup || c.launchTemplate || c.capacityProvider));
  }
  return (state.instances?.ids.length ?? 0) > 0;
}

/**
 * Throws (exit 2, before any AWS call) when `wanted` differs from the mode of instances the state
 * records as live. Switching means deleting the instances first.
 */
export function assertCapacityMode(state: State, wanted: CapacityMode): void {
  const other: CapacityMode = wanted === 'asg' ? 'instances' : 'asg';
  if (!hasLiveCapacity(state, other)) return;
  throw new UsageError(
    `stack ${state.name} runs its container instances with --capacity ${other}; it cannot switch to --capacity ${wanted} while they exist`,
    { hint: 'Run `ecsctl instances delete --yes` first (or `ecsctl down --yes`), then create them again.' },
  );
}

/**
 * The capacity provider strategy a service or task of this stack must use: the recorded
 * provider in `asg` mode, undefined in `instances` mode (launch type EC2 then).
 */
export function capacityProviderStrategy(state: State): CapacityProviderStrategyItem[] | undefined {
  const provider = state.capacity?.mode === 'asg' ? state.capacity.capacityProvider : undefined;
  return provider ? strategyFor(provider.name) : undefined;
}
