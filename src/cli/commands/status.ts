import type { Command } from 'commander';
import { examples, globalsOf, runCommand } from './common.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show every recorded resource as AWS sees it now, with drift (recorded but missing) and the URL.')
    .addHelpText('after', examples('status', 'status --json'))
    .action(async (_opts: object, cmd: Command) => {
      const { stackStatus, renderStatus } = await import('../../steps/status/status.js');
      await runCommand(globalsOf(cmd), {
        command: 'status',
        services: ['ecr', 'ecs', 'ec2', 'elb', 'iam', 'logs', 'autoscaling'],
        mutates: false,
        run: (ctx) => stackStatus(ctx),
        render: renderStatus,
      });
    });
}
