/**
 * `service delete` (and `down`): scale to 0, delete, and wait until ECS reports it INACTIVE, so
 * the cluster can be deleted right after. Tolerant of a service that is already gone.
 */
import { DeleteServiceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { assertOwned } from '../../aws/tags.js';
import { WAIT_TIMEOUT_MS } from '../../settings/defaults.js';
import { stackOf, type StepContext } from '../context.js';
import { findService, isLive } from './config.js';
import { waitUntilInactive, type ServiceResult } from './service.js';

/**
 * Scales the service to 0, deletes it, waits (bounded) until it is INACTIVE and removes it from
 * the state. Already gone or INACTIVE counts as deleted; a service without the stack's tag is
 * never deleted. A rerun after a timeout resumes the wait.
 */
export async function deleteService(ctx: StepContext, options: { timeoutMs?: number } = {}): Promise<ServiceResult> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  const name = state.service?.name ?? stackOf(ctx);
  if (!cluster) {
    if (state.service) await ctx.state.record({ service: undefined });
    return { outcome: 'absent' };
  }
  const found = await findService(ctx.aws.ecs, cluster, name);
  if (!found || !isLive(found.service)) {
    if (state.service) await ctx.state.record({ service: undefined });
    return { outcome: 'absent' };
  }
  assertOwned('ECS service', name, found.tags, stackOf(ctx));
  const live = found.service;
  const ecs = ctx.aws.ecs;
  try {
    if (live.status === 'ACTIVE') {
      const daemon = live.schedulingStrategy === 'DAEMON';
      // A REPLICA service must be at 0 before DeleteService (or needs force); a DAEMON service
      // has no desired count to set, so it is deleted with force.
      if (!daemon && (live.desiredCount ?? 0) > 0)
        await ecs.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: 0 }));
      await ecs.send(new DeleteServiceCommand({ cluster, service: name, ...(daemon ? { force: true } : {}) }));
    }
  } catch (e) {
    if (!isAwsError(e, 'ServiceNotFoundException', 'ServiceNotActiveException'))
      throw asOperationError(`delete ECS service ${name}`, e);
  }
  await waitUntilInactive(ctx, cluster, name, options.timeoutMs ?? WAIT_TIMEOUT_MS);
  await ctx.state.record({ service: undefined });
  return { outcome: 'deleted', service: { name, arn: live.serviceArn! } };
}
