import type { Command } from 'commander';
import { PLAN_FLAGS, UP_SCHEMA } from '../../settings/declarations.js';
import { registryAddress } from '../../docker/inputs.js';
import { domainSettings } from '../../steps/lb/domain-input.js';
import { addSettings, settingOption, settingsFromFlags } from '../settings-options.js';
import type { Globals, RawGlobals } from '../../globals.js';
import type { State } from '../../state/schema.js';
import type { UpSettings } from '../../orchestrate/settings.js';
import type { PlatformChoice } from '../../steps/image/platform.js';
import type { PlanDocument } from '../../orchestrate/plan-print.js';
import type { ChangePlanDocument } from '../../orchestrate/plan-diff.js';
import { examples, globalsOf, runCommand } from './common.js';

export function registerUp(program: Command): void {
  const up = program
    .command('up')
    .description(
      'Do the whole walkthrough in one go: repository, image, cluster, instances, task definition, load balancer and service, in parallel where AWS allows; rerun to continue or converge.',
    );
  addSettings(up, UP_SCHEMA)
    .option(
      '--config <file>',
      'JSON file with the same settings in camelCase (e.g. {"desiredCount": 4}); flags win; unknown keys are an error.',
    )
    .option(
      '--dry-run',
      'Print the plan and change nothing: for a new stack, what would be created, in which order, what runs in parallel and the aws commands it replaces; for a stack that exists, what would change, field by field (old → new), read from AWS with describe calls only.',
    )
    .addOption(settingOption(PLAN_FLAGS.detailedExitcode))
    .addHelpText(
      'after',
      examples(
        'up --name web --region us-east-1',
        'up --name web --image public.ecr.aws/nginx/nginx:1.27 --container-port 80 --desired-count 4 --dry-run',
        'up --name web --capacity asg --instance-count 2 --max-instances 6',
        'up --env LOG_LEVEL=info --secret DB_PASSWORD=/web/db-password --min-count 2 --max-count 10 --cpu-target 60',
        'up --name web --domain app.example.com',
        'up --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2 --dry-run --detailed-exitcode   # exit 5: changes',
      ),
    )
    .action(async (opts: { config?: string; dryRun?: boolean; detailedExitcode?: boolean }, cmd: Command) => {
      if (opts.detailedExitcode && !opts.dryRun)
        throw new (await import('../../errors.js')).UsageError('--detailed-exitcode needs --dry-run', {
          hint: 'A plan exits 5 when something would change; `up` itself exits 0 when it succeeds.',
        });
      const { mergeSettings, readConfigFile } = await import('../../orchestrate/settings.js');
      const flags = settingsFromFlags(cmd, UP_SCHEMA);
      const merged = mergeSettings(flags, opts.config ? await readConfigFile(opts.config) : {});
      // The group's maximum: default twice the count, never below it (exit 2 before any call).
      const { maxInstances } = await import('../../util/validate.js');
      const settings = { ...merged, maxInstances: maxInstances(merged.maxInstances, merged.instanceCount) };
      domainSettings(settings); // --hosted-zone-id / --certificate-arn need --domain; ACM's 64-character limit
      const globals = { ...globalsOf(cmd), name: globalsOf(cmd).name ?? settings.name };
      const registry =
        settings.registry ??
        (process.env.ECSCTL_REGISTRY ? registryAddress(process.env.ECSCTL_REGISTRY, 'ECSCTL_REGISTRY') : undefined);
      const { runUp } = await import('../../orchestrate/up-command.js');
      const { resolveGlobals } = await import('../../globals.js');
      const upImage = await import('../../orchestrate/up-image.js');
      // The remembered context and the platform, checked (exit 2) before the lock or any AWS call.
      const given = (k: keyof typeof flags) => flags[k] !== undefined || settings.fromFile.includes(k);
      const resolvedGlobals = resolveGlobals(globals);
      const { endpoint } = resolvedGlobals;
      const resolved = await upImage.rememberImageSource(
        () => recordedState(resolvedGlobals),
        { ...settings, registry },
        given,
      );
      if (opts.dryRun) return dryRun(globals, resolved, { endpoint, detailed: opts.detailedExitcode });
      // The context and tag are checked before the lock, the state or any AWS call.
      const image = await upImage.prepareImage(resolved, { endpoint });
      await runCommand(globals, {
        command: 'up',
        // Auto Scaling last: only the instances task of an asg stack waits for it. With --domain,
        // the hosted zone is looked up before the graph starts: Route 53 loads first.
        services: settings.domain
          ? ['route53', 'ec2', 'elb', 'acm', 'ecr', 'ecs', 'iam', 'ssm', 'logs', 'appscaling', 'autoscaling']
          : ['ec2', 'elb', 'ecr', 'ecs', 'iam', 'ssm', 'logs', 'appscaling', 'autoscaling', 'route53', 'acm'],
        mutates: true,
        createsStack: true,
        clientsPerTask: true,
        run: (ctx, _g, io) => runUp(ctx, io.progress(), resolved, image),
        render: (r) => r.summary,
      });
    });
}

/**
 * `up --dry-run`: with nothing recorded, the plan of what would be created (no AWS call, no
 * credentials); on a stack that exists, what would change, compared with AWS (describe calls
 * only, no lock). `--detailed-exitcode`: exit 5 when the plan shows anything to do.
 */
async function dryRun(
  globals: RawGlobals,
  s: UpSettings & { readonly platformChoice?: PlatformChoice },
  o: { readonly endpoint?: string; readonly detailed?: boolean },
): Promise<void> {
  const { RESOURCE_KEYS } = await import('../../state/schema.js');
  const { detailedExitCode, renderChangePlan, upChangePlan } = await import('../../orchestrate/plan-diff.js');
  const { upDryRun, renderUpDryRun } = await import('../../orchestrate/up-command.js');
  const { planImage } = await import('../../orchestrate/up-image.js');
  return runCommand<PlanDocument | ChangePlanDocument>(globals, {
    command: 'up --dry-run',
    services: ['ecs', 'elb', 'ec2', 'logs', 'appscaling', 'autoscaling'],
    mutates: false,
    offline: (existing, g) =>
      existing && RESOURCE_KEYS.some((k) => k !== 'image' && existing[k] !== undefined)
        ? undefined
        : upDryRun(g, s, existing),
    run: async (ctx, _g, io) => {
      const image = await planImage(s, { endpoint: o.endpoint });
      if (image.unbuildable) io.report.warn(`cannot build the image: ${image.unbuildable}`);
      return upChangePlan(ctx, s, image.uri(ctx));
    },
    render: (doc) => ('compared' in doc && doc.compared ? renderChangePlan(doc) : renderUpDryRun(doc as PlanDocument)),
    ...(o.detailed ? { exitCode: detailedExitCode } : {}),
  });
}

/**
 * The state as recorded, read before the lock for what `up` remembers (build context, instance
 * type): the local file, or the s3:// object (the runner reads it again under the lock and warns
 * about the bucket then). A local file that cannot be read is left for the runner to report; an
 * s3:// state that cannot be opened (no such bucket, access denied) fails here, with the runner's
 * own one line and exit code, rather than being asked twice.
 */
async function recordedState(g: Globals): Promise<State | undefined> {
  const { isS3Url } = await import('../../state/location.js');
  if (!isS3Url(g.statePath))
    return (await import('../../state/store.js')).readState(g.statePath).catch(() => undefined);
  const { openS3Backend } = await import('../../state/open-s3.js');
  const { VERSION } = await import('../../version.js');
  const backend = await openS3Backend(g, { warn: () => undefined, userAgent: `ecsctl/${VERSION}` });
  return backend.read();
}
