import type { Command } from 'commander';
import type { ClusterView } from '../../steps/cluster/cluster.js';
import { examples, globalsOf, runCommand } from './common.js';

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('Manage the ECS cluster the container instances join (aws ecs create-cluster).')
    .addHelpText('after', examples('cluster create --name web --region us-east-1', 'cluster show --json'));

  cluster
    .command('create')
    .description('Create the ECS cluster <name>, or confirm the recorded one is ACTIVE.')
    .option('--cluster-name <name>', 'Name of the cluster (default: the stack name).')
    .addHelpText(
      'after',
      examples('cluster create --name web --region us-east-1', 'cluster create --cluster-name web-dev'),
    )
    .action(async (opts: { clusterName?: string }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'cluster create',
        services: ['ecs'],
        mutates: true,
        createsStack: true,
        run: async (ctx) =>
          (await import('../../steps/cluster/cluster.js')).ensureCluster(ctx, { name: opts.clusterName }),
        render: (r) => `${r.outcome}: ${r.cluster?.arn}`,
      });
    });

  cluster
    .command('show')
    .description('Show the cluster with its registered container instances and running/pending task counts.')
    .addHelpText('after', examples('cluster show', 'cluster show --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'cluster show',
        services: ['ecs'],
        mutates: false,
        run: async (ctx) => (await import('../../steps/cluster/cluster.js')).showCluster(ctx),
        render: renderCluster,
      });
    });

  cluster
    .command('delete')
    .description('Delete the recorded cluster; refuses while services or container instances remain.')
    .addHelpText('after', examples('cluster delete --yes', 'cluster delete --state web.state.json --yes'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'cluster delete',
        services: ['ecs'],
        mutates: true,
        destructive: true,
        confirm: (s) => `Delete ECS cluster ${s.cluster?.name ?? s.name}?`,
        run: async (ctx) => (await import('../../steps/cluster/cluster.js')).deleteCluster(ctx),
        render: (r) => r.outcome,
      });
    });
}

function renderCluster(c: ClusterView): string {
  if (!c.exists) return `${c.name}: does not exist (or is INACTIVE)`;
  const lines = [
    `${c.name} ${c.status}`,
    `  arn                  ${c.arn}`,
    `  container instances  ${c.registeredContainerInstances}`,
    `  tasks                ${c.runningTasks} running, ${c.pendingTasks} pending`,
  ];
  for (const ci of c.containerInstances ?? []) {
    lines.push(
      `  - ${ci.ec2InstanceId} ${ci.status} agent ${ci.agentConnected ? 'connected' : 'disconnected'}, ${ci.runningTasks} running, ${ci.pendingTasks} pending`,
    );
  }
  return lines.join('\n');
}
