import { Option, type Command } from 'commander';
import type { CreateInstancesResult } from '../../steps/instances/stack.js';
import type { DeleteInstancesResult } from '../../steps/instances/teardown.js';
import { renderList, renderRefresh } from './instances-render.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

interface CreateOptions {
  count: number;
  type: string;
  ami?: string;
  vpc?: string;
  subnets?: string[];
  keyName?: string;
  ingressCidr: string;
  listenerPort: number;
  waitTimeout: number;
  wait: boolean;
  capacity?: 'instances' | 'asg';
  maxInstances?: number;
  targetCapacity: number;
}

export function registerInstances(program: Command): void {
  const instances = program
    .command('instances')
    .description(
      'Manage the EC2 container instances of the cluster, with their security groups and IAM instance profile (aws ec2 run-instances).',
    )
    .addHelpText('after', examples('instances create --count 2', 'instances list --json'));

  instances
    .command('create')
    .description('Launch ECS-optimized instances that join the recorded cluster, and wait until they are registered.')
    .option(
      '--count <n>',
      'How many instances to keep running (1-20).',
      parser((x, f) => v.integer(x, f, 1, 20), '--count'),
      2,
    )
    .option(
      '--type <type>',
      'EC2 instance type; Graviton types (t4g, m7g, …) get the arm64 AMI.',
      parser(v.instanceType, '--type'),
      't3.small',
    )
    .option(
      '--ami <id>',
      "AMI to launch (default: the ECS-optimized Amazon Linux 2023 image from SSM for the type's architecture).",
      parser((x, f) => v.awsId(x, 'ami', f), '--ami'),
    )
    .option(
      '--vpc <id>',
      "VPC to launch in (default: the recorded VPC, else the region's default VPC).",
      parser((x, f) => v.awsId(x, 'vpc', f), '--vpc'),
    )
    .option(
      '--subnets <ids>',
      "Comma-separated subnets to spread the instances over (default: the VPC's default subnets).",
      parser((x, f) => v.list(x, f, (s) => v.awsId(s, 'subnet', f)), '--subnets'),
    )
    .option(
      '--key-name <name>',
      'EC2 key pair to install on the instances (default: none). The instance security group opens no SSH port; add a rule yourself or use Session Manager.',
      parser(v.keyPairName, '--key-name'),
    )
    .option(
      '--capacity <mode>',
      'How the instances run: instances (RunInstances, a fixed set, as the walkthrough) or asg (an Auto Scaling group that replaces lost instances, scaled by an ECS capacity provider as the cluster default) (default: the mode the stack already has, else instances).',
      parser(v.capacityMode, '--capacity'),
    )
    .option(
      '--max-instances <n>',
      'With --capacity asg: the most instances the capacity provider may scale the group to, 1-40, not below --count (default: twice --count).',
      parser((x, f) => v.integer(x, f, 1, 40), '--max-instances'),
    )
    .option(
      '--target-capacity <percent>',
      'With --capacity asg: how full managed scaling keeps the instances, 1-100; below 100 keeps spare room for new tasks.',
      parser((x, f) => v.integer(x, f, 1, 100), '--target-capacity'),
      100,
    )
    .option(
      '--ingress-cidr <cidr>',
      "Who may reach the load balancer listener: the source CIDR of <name>-lb-sg's one rule.",
      parser(v.ipv4Cidr, '--ingress-cidr'),
      '0.0.0.0/0',
    )
    .option(
      '--listener-port <port>',
      'Load balancer listener port that <name>-lb-sg opens.',
      parser(v.port, '--listener-port'),
      80,
    )
    .addOption(
      new Option(
        '--wait-timeout <duration>',
        'How long to wait for the instances to run and register before exiting with code 4.',
      )
        .argParser(parser((x, f) => v.duration(x, f), '--wait-timeout'))
        .default(600_000, '10m'),
    )
    .option(
      '--no-wait',
      'Return once the instances are launched, without waiting for them to register (default: wait).',
    )
    .addHelpText(
      'after',
      examples(
        'instances create',
        'instances create --count 3 --type t4g.small --wait-timeout 15m',
        'instances create --capacity asg --count 2 --max-instances 6',
      ),
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      const maxInstances = v.maxInstances(opts.maxInstances, opts.count, ['--max-instances', '--count']);
      await runCommand(globalsOf(cmd), {
        command: 'instances create',
        services: ['ec2', 'ecs', 'iam', 'ssm', 'autoscaling'],
        mutates: true,
        run: async (ctx) =>
          (await import('../../steps/instances/stack.js')).createInstances(ctx, {
            count: opts.count,
            instanceType: opts.type,
            ami: opts.ami,
            vpcId: opts.vpc,
            subnetIds: opts.subnets,
            keyName: opts.keyName,
            ingressCidr: opts.ingressCidr,
            listenerPort: opts.listenerPort,
            wait: opts.wait,
            waitTimeoutMs: opts.waitTimeout,
            capacity: opts.capacity,
            maxInstances,
            targetCapacity: opts.targetCapacity,
          }),
        render: renderCreate,
      });
    });

  instances
    .command('list')
    .description(
      "List the stack's instances (found by tag) with their state, zone, addresses and cluster registration.",
    )
    .addHelpText('after', examples('instances list', 'instances list --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'instances list',
        services: ['ec2', 'ecs', 'autoscaling'],
        mutates: false,
        run: async (ctx) => {
          const instances = await (await import('../../steps/instances/stack.js')).listInstances(ctx);
          const group = (await (await import('../../steps/capacity/stack.js')).showCapacity(ctx))?.autoScalingGroup;
          // Plain list in instances mode (as before); with the group beside it in asg mode.
          return group ? { autoScalingGroup: group, instances } : instances;
        },
        render: renderList,
      });
    });

  instances
    .command('refresh')
    .description(
      'With --capacity asg: roll a new AMI (the current ECS-optimized one, or --ami) or instance type through the Auto Scaling group, new instances first, each old one drained by ECS.',
    )
    .option(
      '--type <type>',
      'New instance type (default: the one the launch template has).',
      parser(v.instanceType, '--type'),
    )
    .option(
      '--ami <id>',
      "AMI to roll in (default: the current ECS-optimized Amazon Linux 2023 image from SSM for the type's architecture).",
      parser((x, f) => v.awsId(x, 'ami', f), '--ami'),
    )
    .addOption(
      new Option('--wait-timeout <duration>', 'How long to wait for the refresh to finish before exiting with code 4.')
        .argParser(parser((x, f) => v.duration(x, f), '--wait-timeout'))
        .default(3_600_000, '60m'),
    )
    .option('--no-wait', 'Return once the refresh has started (default: wait until it succeeds or fails).')
    .addHelpText('after', examples('instances refresh', 'instances refresh --type t3.medium --no-wait --json'))
    .action(async (opts: { type?: string; ami?: string; waitTimeout: number; wait: boolean }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'instances refresh',
        services: ['autoscaling', 'ec2', 'ssm'],
        mutates: true,
        run: async (ctx) =>
          (await import('../../steps/capacity/refresh.js')).refreshInstances(ctx, {
            instanceType: opts.type,
            ami: opts.ami,
            wait: opts.wait,
            timeoutMs: opts.waitTimeout,
            update: (d) => ctx.report.info(d),
          }),
        render: renderRefresh,
      });
    });

  instances
    .command('delete')
    .description(
      'Deregister and terminate the instances, then delete the instance security group, the LB group if unused, and the IAM role and profile.',
    )
    .addOption(
      new Option(
        '--timeout <duration>',
        'How long to wait for termination and for each security group to become free before exiting with code 4.',
      )
        .argParser(parser((x, f) => v.duration(x, f), '--timeout'))
        .default(600_000, '10m'),
    )
    .addHelpText('after', examples('instances delete --yes', 'instances delete --timeout 20m --json --yes'))
    .action(async (opts: { timeout: number }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'instances delete',
        services: ['ec2', 'ecs', 'iam', 'autoscaling'],
        mutates: true,
        destructive: true,
        confirm: (s) =>
          `Terminate the container instances of stack ${s.name} and delete their security group and IAM role?`,
        run: async (ctx) => {
          // asg mode first: provider off the cluster, group emptied and deleted (steps/capacity/stack.ts).
          const capacity = await (
            await import('../../steps/capacity/stack.js')
          ).deleteCapacity(ctx, { timeoutMs: opts.timeout });
          const rest = await (
            await import('../../steps/instances/teardown.js')
          ).deleteInstanceStack(ctx, { timeoutMs: opts.timeout });
          return capacity.outcome === 'absent'
            ? rest
            : {
                ...rest,
                outcome: 'deleted' as const,
                terminated: [...new Set([...capacity.terminated, ...rest.terminated])],
                capacity,
              };
        },
        render: renderDelete,
      });
    });
}

function renderCreate(r: CreateInstancesResult): string {
  const c = r.capacity;
  const lines = [
    `${r.outcome}: ${r.instances.length} instance(s) for cluster ${r.cluster}${r.registered === undefined ? ' (not waiting for registration)' : `, ${r.registered} registered`}`,
    ...r.instances.map(
      (i) => `  ${i.id}  ${i.az ?? ''}  ${i.subnetId ?? ''}${r.launched.includes(i.id) ? '  (new)' : ''}`,
    ),
    `  type        ${r.instanceType}`,
    `  ami         ${r.ami.imageId} (${r.ami.source})`,
    `  vpc         ${r.network.vpcId}`,
    `  groups      ${r.securityGroups.instance.name} ${r.securityGroups.instance.id}, ${r.securityGroups.lb.name} ${r.securityGroups.lb.id}`,
    `  profile     ${r.role.profileName}`,
    ...(c
      ? [
          `  asg         ${c.autoScalingGroup.name} (launch template ${c.launchTemplate.name} version ${c.launchTemplate.version})`,
          `  provider    ${c.capacityProvider.name} (the cluster's default capacity provider strategy)`,
        ]
      : []),
  ];
  return lines.join('\n');
}

function renderDelete(r: DeleteInstancesResult): string {
  if (r.outcome === 'absent') return 'absent: nothing to delete';
  return [
    `deleted: ${r.terminated.length} instance(s) terminated${r.terminated.length ? ` (${r.terminated.join(', ')})` : ''}, ${r.deregistered} deregistered`,
    `  instance security group  ${r.securityGroups.instance}`,
    `  lb security group        ${r.securityGroups.lb}${r.securityGroups.lb === 'kept' ? ' (the load balancer still uses it)' : ''}`,
    `  IAM role and profile     ${r.role}`,
  ].join('\n');
}
