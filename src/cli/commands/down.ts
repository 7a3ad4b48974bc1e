import type { Command } from 'commander';
import * as v from '../../util/validate.js';
import { WAIT_TIMEOUT_MS } from '../../settings/defaults.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

interface DownOptions {
  keepRepo?: boolean;
  keepLogs?: boolean;
  dryRun?: boolean;
  waitTimeout?: number;
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description(
      'Delete everything the state file records, in dependency order and in parallel where safe; a second run is a no-op.',
    )
    .option('--keep-repo', 'Keep the ECR repository and its images.')
    .option('--keep-logs', 'Keep the CloudWatch Logs group and its events.')
    .option(
      '--wait-timeout <duration>',
      'Bound on each wait (service draining, load balancer gone, instances terminated, security group released) (default: 15m).',
      parser((x, f) => v.duration(x, f), '--wait-timeout'),
    )
    .option(
      '--dry-run',
      'Print what would be deleted, in which order and what in parallel, with the aws commands it replaces; delete nothing.',
    )
    .addHelpText(
      'after',
      `
The state file stays, recording an empty stack (its name and region), so \`ecsctl up\` can start again.
Nothing without the tag ecsctl:stack=<name> is ever deleted, even when the state names it: it is reported.
${examples('down --yes', 'down --keep-repo --dry-run')}`,
    )
    .action(async (opts: DownOptions, cmd: Command) => {
      const { runDown, downDryRun, renderDownDryRun } = await import('../../orchestrate/down-command.js');
      const settings = {
        keepRepo: opts.keepRepo === true,
        keepLogs: opts.keepLogs === true,
        waitTimeoutMs: opts.waitTimeout ?? WAIT_TIMEOUT_MS,
      };
      if (opts.dryRun)
        return runCommand(globalsOf(cmd), {
          command: 'down --dry-run',
          local: (g) => downDryRun(g, settings),
          render: renderDownDryRun,
        });
      await runCommand(globalsOf(cmd), {
        command: 'down',
        // acm and route53 last: only a stack with a domain calls them, at the end of the graph.
        services: ['elb', 'ecr', 'appscaling', 'ecs', 'logs', 'ec2', 'iam', 'autoscaling', 'route53', 'acm'],
        mutates: true,
        destructive: true,
        clientsPerTask: true,
        confirm: (s) =>
          `Delete every resource of stack ${s.name} in ${s.region}${opts.keepRepo ? ' (keeping the repository)' : ''}?`,
        run: (ctx, _g, io) => runDown(ctx, io.progress(), settings),
        render: (r) => r.summary,
      });
    });
}
