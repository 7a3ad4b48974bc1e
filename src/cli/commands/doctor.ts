import type { Command } from 'commander';
import { OperationError } from '../../errors.js';
import type { DoctorReport } from '../../steps/doctor/doctor.js';
import * as v from '../../util/validate.js';
import { examples, globalsOf, parser, runCommand } from './common.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check what a first real `up` needs (credentials, region, Docker engine, VPC, instance type, ECS role, vCPU quota, Node.js) and say how to fix each problem; exit 0 when up should work, 1 otherwise.',
    )
    .option(
      '--instance-type <type>',
      'EC2 instance type up would launch: checked for its zones, architecture and vCPUs (default: t3.small).',
      parser(v.instanceType, '--instance-type'),
    )
    .option(
      '--instance-count <n>',
      'Number of instances up would launch, for the vCPU quota, 1-20 (default: 2).',
      parser((x, f) => v.integer(x, f, 1, 20), '--instance-count'),
    )
    .option(
      '--vpc <id>',
      'VPC up would use (default: the default VPC of the region).',
      parser((x, f) => v.awsId(x, 'vpc', f), '--vpc'),
    )
    .option(
      '--image <uri>',
      'The image up will run, so no Docker engine is needed (default: none: up builds one, so the engine is checked).',
      parser(v.imageRef, '--image'),
    )
    .addHelpText(
      'after',
      `
Each line is ✓ (fine), ! (worth knowing, up still works) or ✗ (up would fail), with the fix.

${examples('doctor --region eu-west-1', 'doctor --instance-type t4g.small --instance-count 4 --json').trimStart()}`,
    )
    .action(
      async (opts: { instanceType?: string; instanceCount?: number; vpc?: string; image?: string }, cmd: Command) => {
        const globals = globalsOf(cmd);
        // The same defaults as up's, from their one declaration.
        const { UP_DEFAULTS } = await import('../../orchestrate/settings.js');
        const instanceType = opts.instanceType ?? UP_DEFAULTS.instanceType;
        const instanceCount = opts.instanceCount ?? UP_DEFAULTS.instanceCount;
        const doctor = await import('../../steps/doctor/doctor.js');
        let report: DoctorReport | undefined;
        await runCommand(globals, {
          command: 'doctor',
          services: ['sts', 'ec2', 'iam', 'quotas'],
          mutates: false,
          stackOptional: true,
          run: async (ctx, g) => {
            const { probeEngine } = await import('../../docker/probe.js');
            return (report = await doctor.runDoctor(ctx.aws, {
              region: ctx.state.current.region,
              ...(g.endpoint ? { endpoint: g.endpoint } : {}),
              instanceType,
              instanceCount,
              ...(opts.vpc ? { vpcId: opts.vpc } : {}),
              engine: async () => (opts.image ? 'not-needed' : probeEngine()),
              nodeVersion: process.version,
            }));
          },
          // The runner prints the report (or its JSON); the exit code comes after, as lb probe's does.
          render: doctor.renderDoctor,
        });
        if (report && !report.ok) {
          const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
          throw new OperationError(`doctor found ${failed.length} problem(s): ${failed.join(', ')}`);
        }
      },
    );
}
