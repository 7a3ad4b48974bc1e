/**
 * `service rollback [--to REVISION]`: roll the service back to the previous task definition
 * revision of the stack's family (or the one named), through the same UpdateService and the same
 * honest rollout wait as any deployment. The desired count is never sent, so auto scaling keeps
 * the count it chose.
 */
import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { missingStep, OperationError, UsageError } from '../../errors.js';
import { assertOwned } from '../../aws/tags.js';
import { stackOf, type StepContext } from '../context.js';
import { listRevisions, parseTaskDefinitionArn, type RevisionView } from '../taskdef/taskdef.js';
import { shortTaskDefinition } from '../taskdef/resolve.js';
import { findService } from './config.js';
import type { ServiceResult } from './service.js';
import { updateService } from './update.js';

export interface RollbackInput {
  /** A revision number of the stack's family; default: the ACTIVE revision just below the running one. */
  readonly to?: number;
}

export type RollbackResult =
  | (ServiceResult & { readonly from: string; readonly to: string })
  | { readonly outcome: 'unchanged'; readonly reason: string };

/**
 * Why a rollback now would be wrong, or undefined when it is not: a deployment the circuit breaker
 * failed (it rolls back by itself), or a service already on an older revision than the latest one
 * registered (rolled back by the circuit breaker or an earlier `service rollback`).
 */
export function alreadyRolledBack(live: Service, latestRegistered: number | undefined): string | undefined {
  const failed = (live.deployments ?? []).find((d: Deployment) => d.rolloutState === 'FAILED');
  const primary = (live.deployments ?? []).find((d) => d.status === 'PRIMARY');
  if (failed) {
    return `deployment ${failed.id} (${shortTaskDefinition(failed.taskDefinition)}) failed and the circuit breaker is rolling back to ${shortTaskDefinition(primary?.taskDefinition ?? live.taskDefinition)}; nothing to do`;
  }
  const running = parseTaskDefinitionArn(live.taskDefinition ?? '')?.revision;
  if (running !== undefined && latestRegistered !== undefined && running < latestRegistered) {
    return `service ${live.serviceName} already runs ${shortTaskDefinition(live.taskDefinition)}, older than the latest registered revision ${latestRegistered}: it was rolled back (by the circuit breaker or an earlier rollback); pass --to REVISION to go further back`;
  }
  return undefined;
}

/**
 * Picks the revision to roll to: `to` when given (it must be an ACTIVE revision of the family),
 * else the highest ACTIVE revision below the running one. Throws a UsageError (exit 2) when
 * there is none.
 */
export function pickRevision(revisions: readonly RevisionView[], running: number, to?: number): RevisionView {
  const family = revisions[0] ? parseTaskDefinitionArn(revisions[0].arn)?.family : undefined;
  if (to !== undefined) {
    const named = revisions.find((r) => r.revision === to);
    if (!named)
      throw new UsageError(`revision ${to} is not a revision of task definition family ${family ?? '(none)'}`, {
        hint: 'List them with `ecsctl taskdef list`.',
      });
    if (named.status !== 'ACTIVE')
      throw new UsageError(`revision ${to} is ${named.status} (deregistered); ECS cannot roll a service to it`);
    return named;
  }
  const previous = revisions.filter((r) => r.status === 'ACTIVE' && r.revision < running).at(-1);
  if (!previous)
    throw new UsageError(
      `no previous revision to roll back to: the service runs revision ${running}, and no ACTIVE revision of ${family ?? 'its family'} is older`,
      {
        hint: 'Pass --to REVISION to roll to another one (`ecsctl taskdef list` shows them).',
      },
    );
  return previous;
}

/**
 * Rolls the service to the chosen revision (UpdateService with the task definition only) and
 * returns the rollout reference for the wait; a no-op, saying why, after a circuit-breaker rollback
 * or when the service already runs the chosen revision.
 */
export async function rollbackService(ctx: StepContext, input: RollbackInput = {}): Promise<RollbackResult> {
  const state = ctx.state.current;
  const cluster = state.cluster?.name;
  if (!cluster) throw missingStep('cluster', 'cluster create');
  const name = state.service?.name ?? stackOf(ctx);
  const found = await findService(ctx.aws.ecs, cluster, name);
  if (!found || found.service.status !== 'ACTIVE')
    throw new OperationError(`ECS service ${name} does not exist in cluster ${cluster}`, {
      hint: 'Run `ecsctl service create` (or `ecsctl up`) first.',
    });
  assertOwned('ECS service', name, found.tags, stackOf(ctx));
  const live = found.service;
  const parsed = parseTaskDefinitionArn(live.taskDefinition ?? '');
  if (!parsed)
    throw new OperationError(`service ${name} runs ${live.taskDefinition}, which is not a task definition ARN`);
  const revisions = await listRevisions(ctx.aws.ecs, parsed.family);
  if (input.to === undefined) {
    const latest = revisions.filter((r) => r.status === 'ACTIVE').at(-1)?.revision;
    const reason = alreadyRolledBack(live, Math.max(latest ?? 0, state.taskDefinition?.revision ?? 0) || undefined);
    if (reason) return { outcome: 'unchanged', reason };
  }
  const target = pickRevision(revisions, parsed.revision, input.to);
  if (target.revision === parsed.revision)
    return { outcome: 'unchanged', reason: `service ${name} already runs ${shortTaskDefinition(target.arn)}` };
  const from = shortTaskDefinition(live.taskDefinition);
  const result = await updateService(ctx, { taskDefinition: target.arn });
  return { ...result, from, to: shortTaskDefinition(target.arn) };
}
