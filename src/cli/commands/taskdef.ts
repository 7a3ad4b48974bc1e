import type { Command } from 'commander';
import * as v from '../../util/validate.js';
import { SHARED } from '../../settings/declarations.js';
import { secretFlag } from '../../steps/taskdef/secrets.js';
import { collect, examples, globalsOf, parser, runCommand } from './common.js';

interface RegisterOptions {
  image?: string;
  containerPort: number;
  containerName?: string;
  family?: string;
  memory: number;
  cpu: number;
  env?: [string, string][];
  secret?: [string, string][];
  file?: string;
  /** False with --no-logs. */
  logs: boolean;
  logRetentionDays?: number;
}

export function registerTaskdef(program: Command): void {
  const taskdef = program
    .command('taskdef')
    .description('Register and manage task definition revisions (aws ecs register-task-definition).')
    .addHelpText(
      'after',
      examples('taskdef register --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1', 'taskdef list --json'),
    );

  taskdef
    .command('register')
    .description(
      "Register a revision in the walkthrough's shape (bridge, hostPort 0), or reuse the latest one if identical.",
    )
    .option(
      '--image <uri>',
      'Image to run (default: the image recorded by `ecsctl image push`).',
      parser(v.imageRef, '--image'),
    )
    .option(
      '--container-port <port>',
      'Port the container listens on; the load balancer forwards to it.',
      parser(v.port, '--container-port'),
      8080,
    )
    .option(
      '--container-name <name>',
      'Name of the container (default: the stack name).',
      parser(v.ecsName, '--container-name'),
    )
    .option('--family <family>', 'Task definition family (default: the stack name).', parser(v.ecsName, '--family'))
    .option(
      '--memory <MiB>',
      'Hard memory limit of the container in MiB.',
      parser((x, f) => v.integer(x, f, 4, 120_000), '--memory'),
      128,
    )
    .option(
      '--cpu <units>',
      'CPU units reserved for the container (1024 = one vCPU; 0 = no reservation).',
      parser((x, f) => v.integer(x, f, 0, 10_240), '--cpu'),
      0,
    )
    .option(
      '--env <KEY=VALUE>',
      'Environment variable for the container; repeat the flag for more.',
      collect(v.keyValue, '--env'),
    )
    .option(
      '--secret <KEY=REF>',
      "Environment variable whose value ECS reads at task start from REF: a Secrets Manager secret ARN, an SSM parameter ARN, or an SSM parameter name (made an ARN with the stack's region and account); repeat for more. Adds the execution role <stack>-task-execution, allowed to read exactly these (default: none).",
      collect(secretFlag, '--secret'),
    )
    .option(
      '--file <path>',
      "Register this register-task-definition JSON instead (the walkthrough's file works as is).",
    )
    .option(
      '--no-logs',
      "Do not send container output to CloudWatch Logs (default: the awslogs driver to group /ecs/<stack>, created first; a --file container's own awslogs group is still created if missing).",
    )
    .option(
      '--log-retention-days <days>',
      'Days CloudWatch Logs keeps the events: 1, 3, 5, 7, 14, 30, 60, 90, … 3653 (default: 7, or the value set before).',
      parser(SHARED.logRetentionDays.parse, '--log-retention-days'),
    )
    .addHelpText(
      'after',
      examples(
        'taskdef register --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v0.1',
        'taskdef register --file td.json --env GREETING=hello',
        'taskdef register --secret DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf --secret API_KEY=/web/api-key',
      ),
    )
    .action(async (opts: RegisterOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const input = await import('../../steps/taskdef/input.js');
      // A file is read and checked before anything else happens.
      const fromFile = opts.file ? await input.taskDefinitionFromFile(opts.file) : undefined;
      await runCommand(globals, {
        command: 'taskdef register',
        services: ['ecs', 'logs', 'iam'],
        mutates: true,
        createsStack: true,
        run: async (ctx) =>
          (await import('../../steps/taskdef/ensure.js')).ensureTaskDefinition(ctx, {
            ...opts,
            env: opts.env ?? [],
            secrets: opts.secret ?? [],
            fromFile,
          }),
        render: (r) =>
          [
            `${r.outcome === 'unchanged' ? 'unchanged (reusing the latest identical revision)' : r.outcome}: ${r.taskDefinition?.arn}`,
            ...(r.executionRole
              ? [
                  `execution role: ${r.executionRole.outcome}${r.executionRole.roleArn ? ` ${r.executionRole.roleArn}` : ''}`,
                ]
              : []),
            ...(r.logGroup
              ? [
                  `log group ${r.logGroup.name}: ${r.logGroup.outcome}${r.logGroup.retentionDays ? `, events kept ${r.logGroup.retentionDays} days` : ''}`,
                ]
              : []),
          ].join('\n'),
      });
    });

  taskdef
    .command('show')
    .description('Show the recorded revision: image, ports, memory and CPU.')
    .addHelpText('after', examples('taskdef show', 'taskdef show --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'taskdef show',
        services: ['ecs'],
        mutates: false,
        run: async (ctx) => (await import('../../steps/taskdef/taskdef.js')).showTaskDefinition(ctx),
        render: (td) => {
          if (!td) return 'the recorded task definition no longer exists';
          const c = td.containerDefinitions?.[0];
          const ports = (c?.portMappings ?? [])
            .map((p) => `${p.hostPort || 'dynamic'}→${p.containerPort}/${p.protocol}`)
            .join(', ');
          const log = c?.logConfiguration;
          const logs = log
            ? `${log.logDriver}${log.options?.['awslogs-group'] ? ` → ${log.options['awslogs-group']}` : ''}`
            : 'none';
          return [
            `${td.family}:${td.revision} ${td.status}`,
            `  arn        ${td.taskDefinitionArn}`,
            `  network    ${td.networkMode}`,
            `  container  ${c?.name} ${c?.image}`,
            `  ports      ${ports}`,
            `  memory     ${c?.memory} MiB, cpu ${c?.cpu}`,
            `  logs       ${logs}`,
            ...(c?.environment?.length ? [`  env        ${c.environment.map((e) => e.name).join(', ')}`] : []),
            // Where ECS reads each secret from; ecsctl never knows the values.
            ...(c?.secrets ?? []).map((x) => `  secret     ${x.name} ← ${x.valueFrom}`),
            ...(td.executionRoleArn ? [`  execution  ${td.executionRoleArn}`] : []),
          ].join('\n');
        },
      });
    });

  taskdef
    .command('list')
    .description("List every revision of the stack's family with its status.")
    .addHelpText('after', examples('taskdef list', 'taskdef list --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'taskdef list',
        services: ['ecs'],
        mutates: false,
        run: async (ctx) => {
          const { listRevisions } = await import('../../steps/taskdef/taskdef.js');
          return listRevisions(ctx.aws.ecs, ctx.state.current.taskDefinition?.family ?? ctx.state.current.name);
        },
        render: (revs) =>
          revs.length === 0 ? 'no revisions' : revs.map((r) => `${r.revision}\t${r.status}\t${r.arn}`).join('\n'),
      });
    });

  taskdef
    .command('delete')
    .description(
      "Deregister every revision of the stack's family and delete them (DeleteTaskDefinitions); the log group stays, for `down`.",
    )
    .addHelpText('after', examples('taskdef delete --yes', 'taskdef delete --json --yes'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'taskdef delete',
        services: ['ecs'],
        mutates: true,
        destructive: true,
        confirm: (s) =>
          `Deregister and delete every revision of task definition family ${s.taskDefinition?.family ?? s.name}?`,
        run: async (ctx) => (await import('../../steps/taskdef/taskdef.js')).deleteTaskDefinitions(ctx),
        render: (r) =>
          `${r.outcome}: ${r.deregistered.length} deregistered, ${r.deleted.length} deleted${r.skipped.length ? `, ${r.skipped.length} not ours left alone` : ''}`,
      });
    });
}
