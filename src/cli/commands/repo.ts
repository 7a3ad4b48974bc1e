import type { Command } from 'commander';
import { examples, globalsOf, runCommand } from './common.js';

export function registerRepo(program: Command): void {
  const repo = program
    .command('repo')
    .description('Manage the ECR repository the image is pushed to (aws ecr create-repository).')
    .addHelpText('after', examples('repo create --name web --region us-east-1', 'repo show --json'));

  repo
    .command('create')
    .description('Create the ECR repository <name> with scan on push, or confirm the recorded one exists.')
    .option('--repository-name <name>', 'Name of the repository (default: the stack name).')
    .addHelpText(
      'after',
      examples('repo create --name web --region us-east-1', 'repo create --repository-name web-images'),
    )
    .action(async (opts: { repositoryName?: string }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'repo create',
        services: ['ecr'],
        mutates: true,
        createsStack: true,
        run: async (ctx) =>
          (await import('../../steps/repo/repository.js')).ensureRepository(ctx, { name: opts.repositoryName }),
        render: (r) => `${r.outcome === 'unchanged' ? 'unchanged' : r.outcome}: ${r.repository?.uri}`,
      });
    });

  repo
    .command('show')
    .description('Show the recorded repository: URI, ARN and how many images it holds.')
    .addHelpText('after', examples('repo show', 'repo show --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'repo show',
        services: ['ecr'],
        mutates: false,
        run: async (ctx) => (await import('../../steps/repo/repository.js')).showRepository(ctx),
        render: (r) =>
          r.exists
            ? `${r.name}\n  uri     ${r.uri}\n  arn     ${r.arn}\n  images  ${r.imageCount}`
            : `${r.name}: does not exist`,
      });
    });

  repo
    .command('delete')
    .description('Delete the recorded repository; refuses while it holds images unless --force.')
    .option('--force', 'Also delete every image in the repository.')
    .addHelpText('after', examples('repo delete --yes', 'repo delete --force --yes'))
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'repo delete',
        services: ['ecr'],
        mutates: true,
        destructive: true,
        confirm: (s) =>
          `Delete ECR repository ${s.repository?.name ?? s.name}${opts.force ? ' and all its images' : ''}?`,
        run: async (ctx) =>
          (await import('../../steps/repo/repository.js')).deleteRepository(ctx, { force: opts.force }),
        render: (r) => r.outcome,
      });
    });
}
