import type { Command } from 'commander';
import * as v from '../../util/validate.js';
import type { SettingKey } from '../../orchestrate/settings.js';
import { registryAddress } from '../../docker/inputs.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

/** Flags whose value is the same-named setting (see orchestrate/settings.ts). */
const SETTING_FLAGS: readonly SettingKey[] = [
  'context',
  'dockerfile',
  'tag',
  'image',
  'registry',
  'instanceCount',
  'instanceType',
  'desiredCount',
  'containerPort',
  'listenerPort',
  'healthCheckPath',
  'memory',
  'cpu',
  'wait',
  'waitTimeout',
  'logs',
  'logRetentionDays',
];

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'Do the whole walkthrough in one go: repository, image, cluster, instances, task definition, load balancer and service, in parallel where AWS allows; rerun to continue or converge.',
    )
    .option('--context <dir>', 'Build context for the image (default: .).')
    .option('--dockerfile <path>', 'Dockerfile inside the context (default: Dockerfile).')
    .option(
      '--tag <tag>',
      'Image tag (default: git-<commit> or ctx-<content hash>, as `image build`).',
      parser(v.imageTag, '--tag'),
    )
    .option(
      '--image <uri>',
      'Run this image instead of building and pushing one (the repository is still created).',
      parser(v.imageRef, '--image'),
    )
    .option(
      '--registry <HOST:PORT>',
      "Push to this registry instead of the ECR hostname, e.g. an emulator's (default: env ECSCTL_REGISTRY).",
      parser(registryAddress, '--registry'),
    )
    .option(
      '--instance-count <n>',
      'Number of EC2 container instances, 1-20 (default: 2).',
      parser((x, f) => v.integer(x, f, 1, 20), '--instance-count'),
    )
    .option(
      '--instance-type <type>',
      'EC2 instance type; Graviton types get the arm64 AMI (default: t3.small).',
      parser(v.instanceType, '--instance-type'),
    )
    .option(
      '--desired-count <n>',
      'Number of tasks the service keeps running, 0-1000 (default: 10).',
      parser((x, f) => v.integer(x, f, 0, 1000), '--desired-count'),
    )
    .option(
      '--container-port <port>',
      'Port the container listens on (default: 8080).',
      parser(v.port, '--container-port'),
    )
    .option(
      '--listener-port <port>',
      'Port the load balancer listens on (default: 80).',
      parser(v.port, '--listener-port'),
    )
    .option(
      '--health-check-path <path>',
      'Path the target group health check requests (default: /).',
      parser(v.healthPath, '--health-check-path'),
    )
    .option(
      '--memory <MiB>',
      'Hard memory limit of the container in MiB (default: 128).',
      parser((x, f) => v.integer(x, f, 4, 120_000), '--memory'),
    )
    .option(
      '--cpu <units>',
      'CPU units reserved for the container, 1024 = one vCPU (default: 0).',
      parser((x, f) => v.integer(x, f, 0, 10_240), '--cpu'),
    )
    .option(
      '--no-logs',
      'Do not send container output to CloudWatch Logs (default: awslogs to /ecs/<name>, created first).',
    )
    .option(
      '--log-retention-days <days>',
      'Days CloudWatch Logs keeps events (default: 7).',
      parser(v.logRetentionDays, '--log-retention-days'),
    )
    .option(
      '--no-wait',
      'Return once the service is created instead of waiting until it is steady and every target is healthy.',
    )
    .option(
      '--wait-timeout <duration>',
      'Bound on each wait, e.g. 15m or 900s; exit 4 when exceeded (default: 15m).',
      parser((x, f) => v.duration(x, f), '--wait-timeout'),
    )
    .option(
      '--config <file>',
      'JSON file with the same settings in camelCase (e.g. {"desiredCount": 4}); flags win; unknown keys are an error.',
    )
    .option(
      '--dry-run',
      'Print the plan (what would be created or checked, in which order, what runs in parallel) and the aws commands it replaces; change nothing.',
    )
    .addHelpText(
      'after',
      examples(
        'up --name web --region us-east-1',
        'up --name web --image public.ecr.aws/nginx/nginx:1.27 --container-port 80 --desired-count 4 --dry-run',
      ),
    )
    .action(async (opts: Record<string, unknown> & { config?: string; dryRun?: boolean }, cmd: Command) => {
      const { mergeSettings, readConfigFile } = await import('../../orchestrate/settings.js');
      const flags: Partial<Record<SettingKey, unknown>> = {};
      for (const key of SETTING_FLAGS) if (cmd.getOptionValueSource(key) === 'cli') flags[key] = opts[key];
      const settings = mergeSettings(flags, opts.config ? await readConfigFile(opts.config) : {});
      const globals = { ...globalsOf(cmd), name: globalsOf(cmd).name ?? settings.name };
      const registry =
        settings.registry ??
        (process.env.ECSCTL_REGISTRY ? registryAddress(process.env.ECSCTL_REGISTRY, 'ECSCTL_REGISTRY') : undefined);
      const { runUp, printUpPlan } = await import('../../orchestrate/up-command.js');
      if (opts.dryRun) return printUpPlan(globals, { ...settings, registry });
      // The context and tag are checked before the lock, the state or any AWS call.
      const image = await (await import('../../orchestrate/up-image.js')).prepareImage({ ...settings, registry });
      await runCommand(globals, {
        command: 'up',
        services: ['ec2', 'elb', 'ecr', 'ecs', 'iam', 'ssm', 'logs'],
        mutates: true,
        createsStack: true,
        clientsPerTask: true,
        run: (ctx, g) => runUp(ctx, g, { ...settings, registry }, image),
        render: (r) => r.summary,
      });
    });
}
