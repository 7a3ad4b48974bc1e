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

// Each through a module of ours that names only the client class (sdk/<service>.ts): importing the
// package itself keeps every one of its exports in the bundle, because esbuild cannot see which
// exports a dynamic import uses, and with them the aggregated client (`new EC2()`), whose module
// defines a method per command when it loads (~25 ms for EC2) and all ~750 commands' schemas.
const loaders: { [K in ServiceName]: () => Promise<new (config: object) => Clients[K]> } = {
  ecr: async () => (await import('./sdk/ecr.js')).ECRClient,
  ecs: async () => (await import('./sdk/ecs.js')).ECSClient,
  ec2: async () => (await import('./sdk/ec2.js')).EC2Client,
  elb: async () => (await import('./sdk/elb.js')).ElasticLoadBalancingV2Client,
  iam: async () => (await import('./sdk/iam.js')).IAMClient,
  ssm: async () => (await import('./sdk/ssm.js')).SSMClient,
  logs: async () => (await import('./sdk/logs.js')).CloudWatchLogsClient,
  autoscaling: async () => (await import('./sdk/autoscaling.js')).AutoScalingClient,
  appscaling: async () => (await import('./sdk/appscaling.js')).ApplicationAutoScalingClient,
  sts: async () => (await import('./sdk/sts.js')).STSClient,
  quotas: async () => (await import('./sdk/quotas.js')).ServiceQuotasClient,
  acm: async () => (await import('./sdk/acm.js')).ACMClient,
  route53: async () => (await import('./sdk/route53.js')).Route53Client,
};

export interface LoadingClients {
  /** Each client is there once its package has loaded (see `ready`); reading it earlier throws. */
  readonly aws: Clients;
  /** Loads these services' clients (those not asked for yet, after the ones that were) and resolves once they are built. */
  ready(services: readonly ServiceName[]): Promise<void>;
}

/**
 * The clients a command may use, each loaded when first asked for: most commands ask for all of
 * theirs at once (in the order given, first-needed first); `up` and `down` let each task ask for
 * its own when it starts, so a task starts as soon as *its* clients are built and a client no task
 * needs (an Auto Scaling group's on a stack without one) is never loaded.
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
  const allowed = new Set(services);
  const loads = new Map<ServiceName, Promise<void>>();
  // Loaded when first asked for, one after another in the order asked. On one thread, compiling
  // an SDK package blocks every answer in flight (EC2's alone is ~0.1 s of CPU): `up` and `down`
  // ask for the critical path's clients first and for the rest only once the load balancer's
  // create or delete has gone out, so nothing compiles while those first calls are on the wire.
  let previous: Promise<unknown> = Promise.resolve();
  const load = (name: ServiceName): Promise<void> => {
    const known = loads.get(name);
    if (known) return known;
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
    // A failed import surfaces through ready(); never as an unhandled rejection.
    loaded.catch(() => undefined);
    loads.set(name, loaded);
    previous = loaded;
    return loaded;
  };
  const aws = new Proxy(clients, {
    get(target, prop) {
      const client = target[prop as ServiceName];
      if (client === undefined && typeof prop === 'string' && (ALL_SERVICES as string[]).includes(prop)) {
        throw new Error(
          allowed.has(prop as ServiceName)
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
        wanted.map((name) =>
          allowed.has(name)
            ? load(name)
            : Promise.reject(new Error(`internal: the ${name} client was not loaded for this command`)),
        ),
      );
    },
  };
}

const stderrLine = (line: string) => void process.stderr.write(`${line}\n`);
