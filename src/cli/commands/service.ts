import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { RolloutStatus } from '../../steps/service/rollout-status.js';
import type { ServiceResult } from '../../steps/service/service.js';
import type { StepContext } from '../../steps/context.js';
import * as v from '../../util/validate.js';
import { SHARED } from '../../settings/declarations.js';
import { WAIT_TIMEOUT_MS } from '../../settings/defaults.js';
import { renderService } from './service-render.js';
import { examples, globalsOf, parser, runCommand } from './common.js';
import * as dayTwo from './service-day-two.js';

interface WaitFlags {
  wait: boolean;
  waitTimeout?: number;
}
interface CreateOptions extends WaitFlags {
  serviceName?: string;
  desiredCount?: number;
  taskdef?: string;
  lb: boolean;
  schedulingStrategy?: 'REPLICA' | 'DAEMON';
  healthCheckGrace?: number;
}
interface UpdateOptions extends WaitFlags {
  desiredCount?: number;
  taskdef?: string;
  attachLb?: boolean;
  healthCheckGrace?: number;
}

/** What create/update print: the outcome, what changed, and how the rollout ended. */
export interface ServiceCommandResult {
  readonly outcome: ServiceResult['outcome'];
  readonly service?: ServiceResult['service'];
  readonly changes?: string[];
  readonly rollout?: RolloutStatus;
}

export function registerService(program: Command): void {
  const service = program
    .command('service')
    .description('Run the task definition as a replica service behind the load balancer (aws ecs create-service).')
    .addHelpText('after', examples('service create --desired-count 10', 'service show --json'));

  service
    .command('create')
    .description(
      'Create the service on the recorded cluster and wait until its rollout completes, or confirm the recorded one exists.',
    )
    .option(
      '--service-name <name>',
      'Name of the service (default: the stack name).',
      parser(v.ecsName, '--service-name'),
    )
    .option(
      '--desired-count <n>',
      'Number of tasks to keep running (default: 10; not allowed with DAEMON).',
      parser(SHARED.desiredCount.parse, '--desired-count'),
    )
    .option(
      '--taskdef <family:rev>',
      'Task definition revision to run (default: the one recorded by `ecsctl taskdef register`).',
      parser(taskdefRef(false), '--taskdef'),
    )
    .option(
      '--no-lb',
      'Do not attach the recorded target group even if there is one (default: attach it when recorded).',
    )
    .option(
      '--scheduling-strategy <strategy>',
      'REPLICA keeps --desired-count tasks; DAEMON runs one task per container instance (default: REPLICA).',
      parser(strategy, '--scheduling-strategy'),
    )
    .option(
      '--health-check-grace <duration>',
      'How long ECS ignores failing load balancer health checks of a new task, e.g. 30s or 2m (default: 30s; only with a load balancer).',
      parser(graceSeconds, '--health-check-grace'),
    )
    .option(
      '--wait-timeout <duration>',
      'Longest time to wait for a container instance and for the rollout, e.g. 15m (default: 15m; exit 4 when exceeded).',
      parser(v.duration, '--wait-timeout'),
    )
    .option('--no-wait', 'Return once ECS accepted the service instead of waiting for the rollout (default: wait).')
    .addHelpText(
      'after',
      examples('service create --desired-count 10', 'service create --no-lb --taskdef web:3 --no-wait'),
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'service create',
        services: ['ecs', 'elb', 'ec2', 'ecr'],
        mutates: true,
        run: async (ctx) => {
          const steps = await import('../../steps/service/service.js');
          // The recorded task definition runs the recorded image: refuse one the instances cannot run.
          if (!opts.taskdef) await (await import('../../steps/image/arch-check.js')).checkBeforeServiceCreate(ctx);
          const timeoutMs = opts.waitTimeout ?? WAIT_TIMEOUT_MS;
          const result = await steps.createService(ctx, {
            name: opts.serviceName,
            desiredCount: opts.desiredCount,
            taskDefinition: opts.taskdef,
            loadBalancer: opts.lb,
            schedulingStrategy: opts.schedulingStrategy,
            healthCheckGraceSeconds: opts.healthCheckGrace,
            gateTimeoutMs: timeoutMs,
          });
          return finish(ctx, result, opts.wait, timeoutMs);
        },
        render: renderResult,
      });
    });

  service
    .command('update')
    .description(
      'Scale the service, roll it to another revision or attach the recorded target group in place, then wait for the rollout.',
    )
    .option(
      '--desired-count <n>',
      'New number of tasks (default: unchanged).',
      parser(SHARED.desiredCount.parse, '--desired-count'),
    )
    .option(
      '--taskdef <family:rev|latest>',
      'Revision to roll to; "latest" is the latest ACTIVE revision of the recorded family (default: unchanged).',
      parser(taskdefRef(true), '--taskdef'),
    )
    .option(
      '--attach-lb',
      'Attach the recorded target group to the running service, without re-creating it (default: leave load balancers as they are).',
    )
    .option(
      '--health-check-grace <duration>',
      'New health check grace period, e.g. 60s (default: unchanged, or 30s when --attach-lb attaches one).',
      parser(graceSeconds, '--health-check-grace'),
    )
    .option(
      '--wait-timeout <duration>',
      'Longest time to wait for the rollout, e.g. 15m (default: 15m; exit 4 when exceeded).',
      parser(v.duration, '--wait-timeout'),
    )
    .option('--no-wait', 'Return once ECS accepted the change instead of waiting for the rollout (default: wait).')
    .addHelpText('after', examples('service update --attach-lb', 'service update --desired-count 4 --taskdef latest'))
    .action(async (opts: UpdateOptions, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'service update',
        services: ['ecs', 'elb'],
        mutates: true,
        run: async (ctx) => {
          dayTwo.refuseDesiredCountWhileAutoScaling(ctx.state.current, opts.desiredCount);
          const steps = await import('../../steps/service/update.js');
          const result = await steps.updateService(ctx, {
            desiredCount: opts.desiredCount,
            taskDefinition: opts.taskdef,
            attachLb: opts.attachLb,
            healthCheckGraceSeconds: opts.healthCheckGrace,
          });
          return finish(ctx, result, opts.wait, opts.waitTimeout ?? WAIT_TIMEOUT_MS);
        },
        render: renderResult,
      });
    });

  service
    .command('show')
    .description('Show the service: task counts, deployments with rollout state, latest events and target health.')
    .option(
      '--events <n>',
      'How many of the latest service events to show (default: 5).',
      parser((x, f) => v.integer(x, f, 0, 100), '--events'),
    )
    .addHelpText('after', examples('service show', 'service show --events 20 --json'))
    .action(async (opts: { events?: number }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'service show',
        services: ['ecs', 'elb', 'appscaling'],
        mutates: false,
        run: async (ctx) => {
          const view = await (
            await import('../../steps/service/view.js')
          ).showService(ctx, { eventCount: opts.events });
          return dayTwo.withAutoScaling(ctx, view);
        },
        render: renderService,
      });
    });

  service
    .command('delete')
    .description(
      'Scale the service to 0, delete it and wait until it is INACTIVE; a service this stack did not create is never deleted.',
    )
    .option(
      '--wait-timeout <duration>',
      'Longest time to wait for the service to drain, e.g. 10m (default: 15m; exit 4 when exceeded, rerun to keep waiting).',
      parser(v.duration, '--wait-timeout'),
    )
    .addHelpText('after', examples('service delete --yes', 'service delete --wait-timeout 10m --yes'))
    .action(async (opts: { waitTimeout?: number }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'service delete',
        services: ['ecs'],
        mutates: true,
        destructive: true,
        confirm: (s) => `Delete ECS service ${s.service?.name ?? s.name} (its tasks stop)?`,
        run: async (ctx) => {
          const r = await (
            await import('../../steps/service/delete.js')
          ).deleteService(ctx, { timeoutMs: opts.waitTimeout ?? WAIT_TIMEOUT_MS });
          return { outcome: r.outcome, service: r.service };
        },
        render: (r) => `${r.outcome}${r.service ? `: ${r.service.arn}` : ''}`,
      });
    });

  dayTwo.registerServiceDayTwo(service);
}

async function finish(
  ctx: StepContext,
  result: ServiceResult,
  wait: boolean,
  timeoutMs: number,
): Promise<ServiceCommandResult> {
  const base = { outcome: result.outcome, service: result.service, changes: result.changes };
  if (!wait || !result.rollout) return base;
  const { waitForRollout } = await import('../../steps/service/wait.js');
  return { ...base, rollout: await waitForRollout(ctx, result.rollout, { timeoutMs }) };
}

function renderResult(r: ServiceCommandResult): string {
  const lines = [`${r.outcome}: ${r.service?.arn ?? ''}`];
  for (const c of r.changes ?? []) lines.push(`  ${c}`);
  if (r.rollout) lines.push(`  rollout done: ${r.rollout.line}`);
  return lines.join('\n');
}

function strategy(value: string, flag: string): 'REPLICA' | 'DAEMON' {
  const upper = value.toUpperCase();
  if (upper !== 'REPLICA' && upper !== 'DAEMON')
    throw new UsageError(`${flag} must be REPLICA or DAEMON, got ${JSON.stringify(value)}`);
  return upper;
}

/** Whole seconds; "0" turns the grace period off. */
function graceSeconds(value: string, flag: string): number {
  if (value.trim() === '0') return 0;
  return Math.round(v.duration(value, flag, 2 * 86_400_000) / 1000);
}

function taskdefRef(allowLatest: boolean) {
  return (value: string, flag: string): string => {
    if (allowLatest && value === 'latest') return value;
    if (
      /^[A-Za-z0-9_-]{1,255}:[1-9]\d*$/.test(value) ||
      /^arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:[1-9]\d*$/.test(value)
    )
      return value;
    throw new UsageError(
      `${flag} must be FAMILY:REVISION${allowLatest ? ', latest' : ''} or a task definition ARN, got ${JSON.stringify(value)}`,
    );
  };
}
