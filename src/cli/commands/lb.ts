import { type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { CERTIFICATE_TIMEOUT_MS, LB_DEFAULTS as D } from '../../settings/defaults.js';
import { domainSettings } from '../../steps/lb/domain-input.js';
import { settingOption } from '../settings-options.js';
import { renderCreate, renderDelete, renderShow } from './lb-render.js';
import * as v from '../../util/validate.js';
import { SHARED } from '../../settings/declarations.js';
import { examples, globalsOf, option as opt, runCommand } from './common.js';
import { registerLbProbe } from './lb-probe.js';

/** A duration in whole seconds within [min, max]: "15s", "2m" or a plain number of seconds; "0" where min is 0. */
export function seconds(value: string, flag: string, min: number, max: number): number {
  const ms = min === 0 && /^\s*0+\s*s?\s*$/.test(value) ? 0 : v.duration(value, flag);
  if (ms % 1000 !== 0 || ms / 1000 < min || ms / 1000 > max) {
    throw new UsageError(`${flag} must be whole seconds from ${min}s to ${max}s, got ${JSON.stringify(value)}`);
  }
  return ms / 1000;
}

interface CreateOptions {
  listenerPort: number;
  containerPort?: number;
  healthCheckPath: string;
  healthCheckInterval: number;
  healthCheckTimeout: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelay: number;
  internal?: boolean;
  ingressCidr: string;
  vpc?: string;
  subnets?: string[];
  waitTimeout: number;
  wait: boolean;
  domain?: string;
  hostedZoneId?: string;
  certificateArn?: string;
  certificateTimeout?: number;
}

export function registerLb(program: Command): void {
  const lb = program
    .command('lb')
    .description(
      'Manage the application load balancer, its target group and HTTP listener (aws elbv2 create-target-group / create-load-balancer / create-listener).',
    )
    .addHelpText('after', examples('lb create --container-port 8080', 'lb probe --requests 20'));

  lb.command('create')
    .description(
      'Create or converge target group <name>-tg, load balancer <name>-lb and its HTTP listener, then wait for the load balancer to be active.',
    )
    .addOption(
      opt(
        '--listener-port <port>',
        'Port the load balancer listens on for HTTP; also the one port its security group opens.',
        v.port,
        { value: D.listenerPort, text: '80' },
      ),
    )
    .addOption(
      opt(
        '--container-port <port>',
        "Port of the target group, as in the walkthrough; ECS registers each task under its own dynamic host port anyway (default: the recorded task definition's port, else 8080).",
        v.port,
      ),
    )
    .addOption(
      opt(
        '--health-check-path <path>',
        'Path the load balancer requests on each target to check its health (HTTP 200 = healthy).',
        SHARED.healthCheckPath.parse,
        { value: D.healthCheckPath, text: '/' },
      ),
    )
    .addOption(
      opt(
        '--health-check-interval <duration>',
        'Time between health checks of a target, 5s to 300s (AWS default 30s).',
        (x, f) => seconds(x, f, 5, 300),
        { value: D.healthCheckIntervalSeconds, text: '5s' },
      ),
    )
    .addOption(
      opt(
        '--health-check-timeout <duration>',
        'Time a health check may take before it counts as failed, 2s to 120s and less than the interval.',
        (x, f) => seconds(x, f, 2, 120),
        { value: D.healthCheckTimeoutSeconds, text: '4s' },
      ),
    )
    .addOption(
      opt(
        '--healthy-threshold <n>',
        'Consecutive passing checks before an unhealthy target is healthy again, 2 to 10 (AWS default 5).',
        (x, f) => v.integer(x, f, 2, 10),
        { value: D.healthyThreshold, text: '2' },
      ),
    )
    .addOption(
      opt(
        '--unhealthy-threshold <n>',
        'Consecutive failing checks before a target is unhealthy, 2 to 10.',
        (x, f) => v.integer(x, f, 2, 10),
        { value: D.unhealthyThreshold, text: '2' },
      ),
    )
    .addOption(
      opt(
        '--deregistration-delay <duration>',
        'How long a removed target keeps serving requests in flight, 0s to 3600s (AWS default 300s, which makes every teardown wait five minutes).',
        (x, f) => seconds(x, f, 0, 3600),
        { value: D.deregistrationDelaySeconds, text: '15s' },
      ),
    )
    .option('--internal', 'Make the load balancer internal (reachable only inside the VPC) instead of internet-facing.')
    .addOption(
      opt('--ingress-cidr <cidr>', 'Addresses allowed to reach the listener port through <name>-lb-sg.', v.ipv4Cidr, {
        value: D.ingressCidr,
        text: '0.0.0.0/0',
      }),
    )
    .addOption(
      opt(
        '--vpc <id>',
        "VPC to use when no network is recorded yet (default: the recorded network, else the region's default VPC).",
        (x, f) => v.awsId(x, 'vpc', f),
      ),
    )
    .addOption(
      opt(
        '--subnets <ids>',
        'Comma-separated subnets for the load balancer, in at least two availability zones (default: the recorded network, else the default subnets).',
        (x, f) => v.list(x, f, (s) => v.awsId(s, 'subnet', f)),
      ),
    )
    .addOption(
      opt(
        '--wait-timeout <duration>',
        'How long to wait for the load balancer to become active before exiting with code 4.',
        (x, f) => v.duration(x, f),
        { value: D.waitTimeoutMs, text: '10m' },
      ),
    )
    .option(
      '--no-wait',
      'Return once everything is created, without waiting for the load balancer to become active (default: wait).',
    )
    .addOption(settingOption(SHARED.domain))
    .addOption(settingOption(SHARED.hostedZoneId))
    .addOption(settingOption(SHARED.certificateArn))
    // Its help states the default; commander's own default would print it a second time, as ms.
    .addOption(settingOption(SHARED.certificateTimeoutMs))
    .addHelpText(
      'after',
      examples(
        'lb create --name web --region us-east-1',
        'lb create --domain app.example.com --hosted-zone-id Z0123456789ABCDEFGHIJ',
      ),
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      if (opts.healthCheckTimeout >= opts.healthCheckInterval) {
        throw new UsageError(
          `--health-check-timeout (${opts.healthCheckTimeout}s) must be less than --health-check-interval (${opts.healthCheckInterval}s)`,
        );
      }
      const domain = domainSettings(opts);
      await runCommand(globalsOf(cmd), {
        command: 'lb create',
        services: domain ? ['ec2', 'elb', 'acm', 'route53'] : ['ec2', 'elb'],
        mutates: true,
        createsStack: true,
        run: async (ctx) => {
          // An ALB takes certificates of its own region only; the region is known here, before any call.
          if (domain?.certificateArn)
            v.certificateArn(domain.certificateArn, '--certificate-arn', ctx.state.current.region);
          return (await import('../../steps/lb/lb.js')).createLb(ctx, {
            listenerPort: opts.listenerPort,
            containerPort: opts.containerPort,
            healthCheckPath: opts.healthCheckPath,
            healthCheckIntervalSeconds: opts.healthCheckInterval,
            healthCheckTimeoutSeconds: opts.healthCheckTimeout,
            healthyThreshold: opts.healthyThreshold,
            unhealthyThreshold: opts.unhealthyThreshold,
            deregistrationDelaySeconds: opts.deregistrationDelay,
            internal: opts.internal === true,
            ingressCidr: opts.ingressCidr,
            vpcId: opts.vpc,
            subnetIds: opts.subnets,
            wait: opts.wait,
            waitTimeoutMs: opts.waitTimeout,
            domain,
            certificateTimeoutMs: opts.certificateTimeout ?? CERTIFICATE_TIMEOUT_MS,
          });
        },
        render: renderCreate,
      });
    });

  lb.command('show')
    .description(
      'Show the recorded load balancer, target group (health check, deregistration delay, target health) and listener as AWS sees them.',
    )
    .addHelpText('after', examples('lb show', 'lb show --json'))
    .action(async (_opts: object, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'lb show',
        services: ['elb'],
        mutates: false,
        run: async (ctx) => (await import('../../steps/lb/show.js')).showLb(ctx),
        render: renderShow,
      });
    });

  lb.command('delete')
    .description(
      'Delete the listener, the load balancer (waiting until it is gone), the target group and, when nothing else uses it, <name>-lb-sg.',
    )
    .addOption(
      opt(
        '--wait-timeout <duration>',
        'How long to wait for the load balancer to go and for its security group to be released (its network interfaces linger for minutes).',
        (x, f) => v.duration(x, f),
        { value: D.waitTimeoutMs, text: '10m' },
      ),
    )
    .addHelpText('after', examples('lb delete --yes', 'lb delete --wait-timeout 20m --yes'))
    .action(async (opts: { waitTimeout: number }, cmd: Command) => {
      await runCommand(globalsOf(cmd), {
        command: 'lb delete',
        // acm and route53 are called only when the state records a domain.
        services: ['ec2', 'elb', 'acm', 'route53'],
        mutates: true,
        destructive: true,
        confirm: (s) =>
          `Delete load balancer ${s.loadBalancer?.name ?? `${s.name}-lb`}, its listener and target group ${s.targetGroup?.name ?? `${s.name}-tg`}?`,
        run: async (ctx) => (await import('../../steps/lb/lb.js')).deleteLb(ctx, { timeoutMs: opts.waitTimeout }),
        render: renderDelete,
      });
    });
  registerLbProbe(lb);
}
