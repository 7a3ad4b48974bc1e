/**
 * Unit-test context: real SDK clients whose `send` is stubbed by aws-sdk-client-mock (class-level
 * mocks, reset before each test), a memory state, a recording reporter and a clock that advances
 * only when a step sleeps, so waits run instantly and timeouts are exact; poll jitter is off.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { Clients } from '../../../src/aws/clients.js';
import { emptyState, type State } from '../../../src/state/schema.js';
import { memoryStateHandle } from '../../../src/state/store.js';
import type { StepContext } from '../../../src/steps/context.js';
import { recordingReporter } from '../../../src/ui/reporter.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const REGION = 'us-east-1';
export const STACK = 'web';

export const awsMock = {
  ecr: mockClient(ECRClient),
  ecs: mockClient(ECSClient),
  ec2: mockClient(EC2Client),
  elb: mockClient(ElasticLoadBalancingV2Client),
  iam: mockClient(IAMClient),
  ssm: mockClient(SSMClient),
  logs: mockClient(CloudWatchLogsClient),
  autoscaling: mockClient(AutoScalingClient),
  appscaling: mockClient(ApplicationAutoScalingClient),
  sts: mockClient(STSClient),
  quotas: mockClient(ServiceQuotasClient),
  acm: mockClient(ACMClient),
  route53: mockClient(Route53Client),
};

export function resetAwsMocks(): void {
  for (const m of Object.values(awsMock)) m.reset();
}

export function testClients(): Clients {
  const config = { region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };
  return {
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    ec2: new EC2Client(config),
    elb: new ElasticLoadBalancingV2Client(config),
    iam: new IAMClient(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
    autoscaling: new AutoScalingClient(config),
    appscaling: new ApplicationAutoScalingClient(config),
    sts: new STSClient(config),
    quotas: new ServiceQuotasClient(config),
    acm: new ACMClient(config),
    route53: new Route53Client(config),
  };
}

export function testContext(initial: Partial<State> = {}, overrides: Partial<StepContext> = {}) {
  let clock = 0;
  const report = recordingReporter();
  const state = memoryStateHandle({ ...emptyState(STACK, REGION), ...initial });
  const sleeps: number[] = [];
  const ctx: StepContext = {
    aws: testClients(),
    report,
    state,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    // No jitter: every poll interval is the schedule's own, so tests can state it exactly.
    random: () => 0,
    ...overrides,
  };
  return { ctx, report, state, sleeps, advance: (ms: number) => (clock += ms) };
}

/** An SDK-shaped service exception, told apart by name as ecsctl does. */
export function awsError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  Object.assign(e, { $metadata: { httpStatusCode: 400 }, $fault: 'client' });
  return e;
}
