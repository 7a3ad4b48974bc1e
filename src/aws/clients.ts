/**
 * One frozen configuration builds every AWS client. Clients are loaded per command (an SDK
 * package costs 45–210 ms to import), so `--help` loads none and `repo create` only ECR.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ACMClient } from '@aws-sdk/client-acm';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ecsctlRetryStrategy } from './retry.js';
import { callLogger } from './call-log.js';

export interface AwsSettings {
  readonly region: string;
  /** Named profile; omitted means the SDK's default credential chain (env, shared files, SSO). */
  readonly profile?: string;
  /** Every client talks to this endpoint (moto, LocalStack). */
  readonly endpoint?: string;
  readonly verbose?: boolean;
  /** Where --verbose lines go: the runner's terminal, so they stay above a progress block. */
  readonly log?: (line: string) => void;
  readonly userAgent: string;
}

export interface Clients {
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly ec2: EC2Client;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly iam: IAMClient;
  readonly ssm: SSMClient;
  readonly logs: CloudWatchLogsClient;
  readonly autoscaling: AutoScalingClient;
  readonly appscaling: ApplicationAutoScalingClient;
  /** `doctor` only: who the credentials are. */
  readonly sts: STSClient;
  /** `doctor` only: the vCPU quota. */
  readonly quotas: ServiceQuotasClient;
  /** --domain only: the certificate and the records in the user's hosted zone. */
  readonly acm: ACMClient;
  readonly route53: Route53Client;
}
export type ServiceName = keyof Clients;
export const ALL_SERVICES: readonly ServiceName[] = [
  'ecr',
  'ecs',
  'ec2',
  'elb',
  'iam',
  'ssm',
  'logs',
  'appscaling',
  'autoscaling',
  'sts',
  'quotas',
  'acm',
  'route53',
];

const loaders: { [K in ServiceName]: () => Promise<new (config: object) => Clients[K]> } = {
  ecr: async () => (await import('@aws-sdk/client-ecr')).ECRClient,
  ecs: async () => (await import('@aws-sdk/client-ecs')).ECSClient,
  ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
  elb: async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
  iam: async () => (await import('@aws-sdk/client-iam')).IAMClient,
  ssm: async () => (await import('@aws-sdk/client-ssm')).SSMClient,
  logs: async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient,
  autoscaling: async () => (await import('@aws-sdk/client-auto-scaling')).AutoScalingClient,
  appscaling: async () => (await import('@aws-sdk/client-application-auto-scaling')).ApplicationAutoScalingClient,
  sts: async () => (await import('@aws-sdk/client-sts')).STSClient,
  quotas: async () => (await import('@aws-sdk/client-service-quotas')).ServiceQuotasClient,
  acm: async () => (await import('@aws-sdk/client-acm')).ACMClient,
  route53: async () => (await import('@aws-sdk/client-route-53')).Route53Client,
};

export interface LoadingClients {
  /** Each client is there once its package has loaded (see `ready`); reading it earlier throws. */
  readonly aws: Clients;
  /** Resolves when these services' clients are built. */
  ready(services: readonly ServiceName[]): Promise<void>;
}

/**
 * Starts loading the clients, in the order given, without waiting: `up` and `down` let each task
 * start as soon as *its* clients are ready (the EC2 package alone takes ~0.45 s to load; `down`'s
 * first wave needs only ELBv2 and ECR), so commands list their services first-needed first.
 */
export function startClients(settings: AwsSettings, services: readonly ServiceName[] = ALL_SERVICES): LoadingClients {
  // On Node 20 the SDK prints a multi-line "NodeVersionSupportWarning" when the first client is
  // built; that would break the one-line-error promise. ecsctl says it once, in --verbose.
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    if (settings.verbose && Number(process.versions.node.split('.')[0]) < 22) {
      (settings.log ?? stderrLine)('note: AWS SDK releases after January 2027 need Node.js 22 or newer');
    }
  }
  const config = Object.freeze({
    region: settings.region,
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    customUserAgent: settings.userAgent,
    retryStrategy: ecsctlRetryStrategy(),
    // Fail fast on an unreachable endpoint instead of hanging; slow calls still get time.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  const clients: Partial<Record<ServiceName, unknown>> = {};
  // One after another, in the order given: on one thread, loading all at once only makes every
  // client ready at the end; in order, the first ones are ready early and their tasks start.
  let previous: Promise<unknown> = Promise.resolve();
  const pending = new Map<ServiceName, Promise<void>>(
    services.map((name) => {
      const loaded = previous
        .catch(() => undefined)
        .then(async () => {
          const client = new (await loaders[name]())(config);
          if (settings.verbose)
            (client as { middlewareStack: { add: (...args: unknown[]) => void } }).middlewareStack.add(
              callLogger(settings.log ?? stderrLine),
              {
                step: 'initialize',
                name: 'ecsctlCallLogger',
              },
            );
          clients[name] = client;
        });
      previous = loaded;
      return [name, loaded];
    }),
  );
  // A failed import surfaces through ready(); never as an unhandled rejection.
  for (const p of pending.values()) p.catch(() => undefined);
  const aws = new Proxy(clients, {
    get(target, prop) {
      const client = target[prop as ServiceName];
      if (client === undefined && typeof prop === 'string' && (ALL_SERVICES as string[]).includes(prop)) {
        throw new Error(
          pending.has(prop as ServiceName)
            ? `internal: the ${prop} client was used before it was ready`
            : `internal: the ${prop} client was not loaded for this command`,
        );
      }
      return client;
    },
  }) as Clients;
  return {
    aws,
    async ready(wanted) {
      await Promise.all(
        wanted.map(
          (name) =>
            pending.get(name) ??
            Promise.reject(new Error(`internal: the ${name} client was not loaded for this command`)),
        ),
      );
    },
  };
}

const stderrLine = (line: string) => void process.stderr.write(`${line}\n`);
