/**
 * One frozen configuration builds every AWS client. Clients are loaded per command (an SDK
 * package costs 45–210 ms to import), so `--help` loads none and `repo create` only ECR.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ecsctlRetryStrategy } from './retry.js';
import { callLogger } from './call-log.js';

export interface AwsSettings {
  readonly region: string;
  /** Named profile; omitted means the SDK's default credential chain (env, shared files, SSO). */
  readonly profile?: string;
  /** Every client talks to this endpoint (moto, LocalStack). */
  readonly endpoint?: string;
  readonly verbose?: boolean;
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
}
export type ServiceName = keyof Clients;
export const ALL_SERVICES: readonly ServiceName[] = ['ecr', 'ecs', 'ec2', 'elb', 'iam', 'ssm', 'logs'];

const loaders: { [K in ServiceName]: () => Promise<new (config: object) => Clients[K]> } = {
  ecr: async () => (await import('@aws-sdk/client-ecr')).ECRClient,
  ecs: async () => (await import('@aws-sdk/client-ecs')).ECSClient,
  ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
  elb: async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
  iam: async () => (await import('@aws-sdk/client-iam')).IAMClient,
  ssm: async () => (await import('@aws-sdk/client-ssm')).SSMClient,
  logs: async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient,
};

/**
 * Builds the clients a command needs, all from the same settings. Reading a client that was not
 * asked for throws: a step using a service its command did not declare is a bug, found at once.
 */
export async function createClients(settings: AwsSettings, services: readonly ServiceName[] = ALL_SERVICES): Promise<Clients> {
  // On Node 20 the SDK prints a multi-line "NodeVersionSupportWarning" when the first client is
  // built; that would break the one-line-error promise. ecsctl says it once, in --verbose.
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    if (settings.verbose && Number(process.versions.node.split('.')[0]) < 22) {
      process.stderr.write('note: AWS SDK releases after January 2027 need Node.js 22 or newer\n');
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
  const built = await Promise.all(services.map(async (name) => [name, new (await loaders[name]())(config)] as const));
  const clients: Partial<Record<ServiceName, unknown>> = {};
  for (const [name, client] of built) {
    if (settings.verbose) (client as { middlewareStack: { add: Function } }).middlewareStack.add(callLogger(), { step: 'initialize', name: 'ecsctlCallLogger' });
    clients[name] = client;
  }
  return new Proxy(clients, {
    get(target, prop) {
      const client = target[prop as ServiceName];
      if (client === undefined && typeof prop === 'string' && (ALL_SERVICES as string[]).includes(prop)) {
        throw new Error(`internal: the ${prop} client was not loaded for this command`);
      }
      return client;
    },
  }) as Clients;
}
