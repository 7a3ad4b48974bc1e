import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

interface RunOptions {
  detach?: boolean;
  timeout?: number;
  container?: string;
}

/** A migration can take long; past this the task keeps running and ecsctl exits 4. */
const DEFAULT_TIMEOUT_MS = 60 * 60_000;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      "Run a one-off task (a migration, a script) from the stack's task definition with the command overridden, stream its logs and exit with its exit code.",
    )
    .argument('<command...>', 'The command and its arguments, after -- (e.g. -- npm run migrate).')
    .option(
      '--detach',
      'Print the task ARN and return as soon as ECS accepted the task, instead of waiting for it (default: wait).',
    )
    .option(
      '--timeout <duration>',
      'Longest time to wait for the task to stop, e.g. 30m (default: 1h; exit 4 when exceeded, the task keeps running).',
      parser(v.duration, '--timeout'),
    )
    .option(
      '--container <name>',
      "Container whose command is overridden and whose exit code counts (default: the task definition's first container).",
      parser(v.ecsName, '--container'),
    )
    .addHelpText(
      'after',
      `
Exit codes: the container's exit code once the task stopped; 1 when the task never started
(the reason is printed); 4 on --timeout; 130 on Ctrl-C, which asks whether to stop the task
(with --yes or without a terminal the task keeps running, and ecsctl says so).
${examples('run -- npm run migrate', 'run --detach --timeout 30m -- ./manage.py migrate --noinput')}`,
    )
    .action(async (command: string[], opts: RunOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      if (command.length === 0 || command[0]!.trim() === '')
        throw new UsageError('ecsctl run needs a command, e.g. ecsctl run -- npm run migrate');
      const detach = opts.detach === true;
      await runCommand(globals, {
        command: 'run',
        services: ['ecs', 'logs'],
        mutates: true,
        // Waiting, the log lines are the output (with --json one object per line, then the result).
        streamsOutput: !detach,
        run: async (ctx, g) => {
          const { runOneOffTask } = await import('../../steps/task/run.js');
          const { formatEvent } = await import('../../steps/logs/logs.js');
          const write = (line: string) => process.stdout.write(`${line}\n`);
          const result = await runOneOffTask(ctx, {
            command,
            container: opts.container,
            detach,
            timeoutMs: opts.timeout ?? DEFAULT_TIMEOUT_MS,
            print: (e) => write(g.json ? JSON.stringify(e) : formatEvent(e, false)),
            askToStop: async (taskId) => {
              if (g.yes || !process.stdin.isTTY) return false;
              const { createInterface } = await import('node:readline/promises');
              const rl = createInterface({ input: process.stdin, output: process.stderr });
              try {
                const answer = await rl.question(`\nStop task ${taskId}? It keeps running otherwise. [y/N] `);
                return /^y(es)?$/i.test(answer.trim());
              } finally {
                rl.close();
              }
            },
          });
          if (!detach) {
            if (g.json) write(JSON.stringify(result));
            else ctx.report.info(`task ${result.taskId} stopped: exit code ${result.exitCode}`);
          }
          return result;
        },
        render: (r) => r.taskArn,
      });
    });
}
