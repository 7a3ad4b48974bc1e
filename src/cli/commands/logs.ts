import type { Command } from 'commander';
import ms from 'ms';
import { InterruptedError, UsageError } from '../../errors.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

interface LogsOptions {
  follow?: boolean;
  since?: number;
  task?: string;
  container?: string;
  previous?: boolean;
}

/** CloudWatch keeps events at most 3653 days; --since cannot usefully reach further back. */
const MAX_SINCE_MS = 3653 * 24 * 3600_000;
/** As `aws logs tail`. */
const DEFAULT_SINCE_MS = 10 * 60_000;

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("Print the containers' log events from CloudWatch Logs, oldest first, each prefixed with its task ID.")
    .option(
      '-f, --follow',
      'Keep printing new events, asking every 2 seconds, until interrupted with Ctrl-C (which exits with code 130, as every interrupted command does).',
    )
    .option(
      '--since <duration>',
      'Start this far back: 90s, 10m, 1h, 48h or a number of seconds (default: 10m).',
      parser((x, f) => v.duration(x, f, MAX_SINCE_MS), '--since'),
    )
    .option(
      '--task <id>',
      'Only events of this task: its ID, the start of its ID (the 8 characters printed) or its ARN (default: every task).',
      parser(v.taskId, '--task'),
    )
    .option(
      '--container <name>',
      'Only events of this container of the task definition (default: every container).',
      parser(v.ecsName, '--container'),
    )
    .option(
      '--previous',
      "Only events of the service's most recently stopped task, after a header line with why it stopped (ECS's stoppedReason and the exit code): the crash-loop case (default: every task).",
    )
    .addHelpText(
      'after',
      `
With --json, prints one JSON object per event and line: {"timestamp","task","container","message"}.
The log group and stream prefix are read from the recorded task definition's awslogs settings.
${examples('logs --since 1h', 'logs --follow --task 3f2a9c1d --json', 'logs --previous')}`,
    )
    .action(async (opts: LogsOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      if (opts.previous && (opts.follow || opts.task || opts.since !== undefined))
        throw new UsageError('--previous picks its task and time span itself: it takes no --follow, --task or --since');
      let sinceMs = opts.since ?? DEFAULT_SINCE_MS;
      await runCommand(globals, {
        command: 'logs',
        services: ['ecs', 'logs'],
        mutates: false,
        streamsOutput: true,
        run: async (ctx) => {
          const logs = await import('../../steps/logs/logs.js');
          let task = opts.task;
          if (opts.previous) {
            const previous = await import('../../steps/logs/previous.js');
            const stopped = await previous.findPreviousTask(ctx, opts.container);
            if (!stopped) {
              ctx.report.info('no stopped task of the service (ECS keeps stopped tasks for about an hour)');
              return { events: 0 };
            }
            const header = previous.previousHeader(stopped);
            if (globals.json) ctx.report.info(header);
            else process.stdout.write(`${header}\n`);
            task = stopped.taskId;
            sinceMs = previous.sinceForTask(stopped, ctx.now());
          }
          const query = { sinceMs, task, container: opts.container, follow: opts.follow === true };
          // `ecsctl logs | head`: once the reader has gone (EPIPE), stop quietly instead of crashing.
          // The listener stays for the life of the process: the error can arrive after the last write.
          let outputError: NodeJS.ErrnoException | undefined;
          const onError = (e: NodeJS.ErrnoException) => void (outputError ??= e);
          process.stdout.on('error', onError);
          try {
            const result = await logs.readLogs(ctx, query, (event, severalContainers) => {
              if (outputError) throw outputError;
              process.stdout.write(
                `${globals.json ? JSON.stringify(event) : logs.formatEvent(event, severalContainers)}\n`,
              );
            });
            if (result.events === 0)
              ctx.report.info(`no log events in the last ${ms(sinceMs)}${opts.task ? ` for task ${opts.task}` : ''}`);
            return result;
          } catch (e) {
            if (e === outputError && outputError?.code === 'EPIPE') return { events: -1 };
            // Ctrl-C is how --follow ends: exit 130 without an error line.
            if (query.follow && e instanceof InterruptedError)
              throw new InterruptedError(e.message, { cause: e, silent: true });
            throw e;
          }
        },
      });
    });
}
