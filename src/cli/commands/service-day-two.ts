/**
 * The day-two service commands: `service autoscale` and `service rollback`. Thin: flags → one
 * step call (steps/service/autoscaling.ts, rollback.ts) → the same rollout wait as any deployment.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../../steps/context.js';
import type { AutoScalingView } from '../../steps/service/autoscaling.js';
import type { RolloutStatus } from '../../steps/service/rollout-status.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

interface AutoscaleOptions {
  minCount?: number;
  maxCount?: number;
  cpuTarget?: number;
  requestsPerTarget?: number;
  off?: boolean;
}

const DEFAULT_WAIT_MS = 15 * 60_000;

/** The four auto scaling flags, shared by `service autoscale` and `up`. */
export function addAutoScalingOptions(cmd: Command): Command {
  return cmd
    .option(
      '--min-count <n>',
      'Fewest tasks auto scaling may scale in to (required with the other auto scaling flags).',
      parser(taskCount, '--min-count'),
    )
    .option(
      '--max-count <n>',
      'Most tasks auto scaling may scale out to (required with the other auto scaling flags).',
      parser(taskCount, '--max-count'),
    )
    .option(
      '--cpu-target <percent>',
      "Average CPU utilization of the service's tasks that auto scaling holds, 1-100 (default: no CPU policy).",
      parser(v.percent, '--cpu-target'),
    )
    .option(
      '--requests-per-target <n>',
      'Load balancer requests per task and minute that auto scaling holds (default: no request policy).',
      parser((x, f) => v.integer(x, f, 1, 1_000_000), '--requests-per-target'),
    );
}

/** Undefined when no auto scaling flag is given; else the checked settings (exit 2 when incomplete). */
export async function autoScalingFrom(o: AutoscaleOptions) {
  const given = [o.minCount, o.maxCount, o.cpuTarget, o.requestsPerTarget].some((x) => x !== undefined);
  if (!given) return undefined;
  if (o.minCount === undefined || o.maxCount === undefined)
    throw new UsageError('auto scaling needs both --min-count and --max-count');
  const { checkAutoScalingSettings } = await import('../../steps/service/autoscaling-policy.js');
  return checkAutoScalingSettings({
    min: o.minCount,
    max: o.maxCount,
    cpuTarget: o.cpuTarget,
    requestsPerTarget: o.requestsPerTarget,
  });
}

export function registerServiceDayTwo(service: Command): void {
  addAutoScalingOptions(
    service
      .command('autoscale')
      .description(
        "Scale the service's task count automatically between --min-count and --max-count, tracking CPU and/or requests per task (Application Auto Scaling); --off removes it.",
      ),
  )
    .option(
      '--off',
      'Remove auto scaling (the scalable target and its policies); the service keeps its current desired count.',
    )
    .addHelpText(
      'after',
      `
While auto scaling is on, \`up\` and \`service update\` never send a desired count.
${examples('service autoscale --min-count 2 --max-count 10 --cpu-target 60', 'service autoscale --off')}`,
    )
    .action(async (opts: AutoscaleOptions, cmd: Command) => {
      const settings = await autoScalingFrom(opts);
      if (opts.off && settings) throw new UsageError('--off takes no other auto scaling flag');
      if (!opts.off && !settings)
        throw new UsageError('pass --min-count, --max-count and --cpu-target and/or --requests-per-target, or --off');
      await runCommand(globalsOf(cmd), {
        command: 'service autoscale',
        services: ['ecs', 'appscaling'],
        mutates: true,
        run: async (ctx) => {
          const steps = await import('../../steps/service/autoscaling.js');
          if (!settings) return { outcome: await steps.deleteAutoScaling(ctx), changes: [] as string[] };
          const r = await steps.ensureAutoScaling(ctx, settings);
          return { outcome: r.outcome, changes: r.changes, autoScaling: r.autoScaling };
        },
        render: (r) => [r.outcome, ...r.changes.map((c) => `  ${c}`)].join('\n'),
      });
    });

  service
    .command('rollback')
    .description(
      'Roll the service back to the previous task definition revision (or --to one) and wait for the rollout; a no-op, saying why, after a circuit-breaker rollback.',
    )
    .option(
      '--to <revision>',
      "Revision number of the stack's family to roll to (default: the ACTIVE revision just below the running one).",
      parser(revisionNumber, '--to'),
    )
    .option(
      '--wait-timeout <duration>',
      'Longest time to wait for the rollout, e.g. 15m (default: 15m; exit 4 when exceeded).',
      parser(v.duration, '--wait-timeout'),
    )
    .option('--no-wait', 'Return once ECS accepted the change instead of waiting for the rollout (default: wait).')
    .addHelpText('after', examples('service rollback', 'service rollback --to 3 --wait-timeout 10m'))
    .action(async (opts: { to?: number; wait: boolean; waitTimeout?: number }, cmd: Command) => {
      const to = opts.to;
      await runCommand(globalsOf(cmd), {
        command: 'service rollback',
        services: ['ecs', 'elb'],
        mutates: true,
        run: async (ctx) => {
          const { rollbackService } = await import('../../steps/service/rollback.js');
          const r = await rollbackService(ctx, { to });
          if ('reason' in r) {
            ctx.report.info(r.reason);
            return { outcome: r.outcome, reason: r.reason };
          }
          let rollout: RolloutStatus | undefined;
          if (opts.wait && r.rollout) {
            const { waitForRollout } = await import('../../steps/service/wait.js');
            rollout = await waitForRollout(ctx, r.rollout, { timeoutMs: opts.waitTimeout ?? DEFAULT_WAIT_MS });
          }
          return { outcome: 'rolled back', from: r.from, to: r.to, service: r.service, rollout };
        },
        render: (r) =>
          'reason' in r
            ? `unchanged: ${r.reason}`
            : `rolled back: ${r.from} → ${r.to}${r.rollout ? `\n  rollout done: ${r.rollout.line}` : ''}`,
      });
    });
}

/** `--to` takes a revision number of the stack's family: "3", never "web:3", "abc" or an ARN. */
export function revisionNumber(value: string, flag: string): number {
  if (!/^[1-9]\d{0,8}$/.test(value.trim()))
    throw new UsageError(
      `${flag} must be a revision number of the stack's task definition family, e.g. 3; got ${JSON.stringify(value)}`,
    );
  return Number(value.trim());
}

function taskCount(value: string, flag: string): number {
  return v.integer(value, flag, 0, 5000); // 5,000 tasks is ECS's per-service quota.
}

/** `service update --desired-count` while the autoscaler owns the count: exit 2, before any call. */
export function refuseDesiredCountWhileAutoScaling(state: State, desiredCount: number | undefined): void {
  const scaling = state.autoScaling;
  if (!scaling || desiredCount === undefined) return;
  throw new UsageError(
    `service ${state.service?.name ?? state.name} scales automatically (${scaling.min}–${scaling.max} tasks): --desired-count would undo the autoscaler`,
    { hint: 'Change the range with `ecsctl service autoscale`, or turn it off with `ecsctl service autoscale --off`.' },
  );
}

/** `service show` with the recorded auto scaling read back. */
export async function withAutoScaling<V extends { exists: boolean }>(
  ctx: StepContext,
  view: V,
): Promise<V & { autoScaling?: AutoScalingView }> {
  const recorded = ctx.state.current.autoScaling;
  if (!view.exists || !recorded) return view;
  const { findAutoScaling, toView } = await import('../../steps/service/autoscaling.js');
  const found = await findAutoScaling(ctx, recorded.resourceId);
  return { ...view, autoScaling: found ? toView(found) : undefined };
}

export function autoScalingLine(a: AutoScalingView): string {
  const policies = a.policies.map((p) => `${p.name} (${p.metric} ${p.target})`).join(', ');
  return `  auto scaling     ${a.min}–${a.max} tasks${policies ? `: ${policies}` : ''}`;
}
