/**
 * The behaviours of real AWS the strict proxy reproduces (test/harness/README.md lists each with
 * its source). Each factory returns a fresh Rule; pass the ones a test needs to startStrictProxy.
 */
import { Gate, rule, type Limits, type Rule, type StrictCall } from './rule.js';
import { awsError, valuesOf } from './wire.js';

const ELB = 'ELASTICLOADBALANCING';
const ECS_SLR = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html';
const EC2_EVENTUAL = 'https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html';

/**
 * A fresh account: ECS creates its service-linked role on first use, and until it exists
 * CreateCluster/CreateService fail with InvalidParameterException (a retry seconds later works).
 * Triggered by the first such call; lasts `windowMs` (default 4 s).
 */
export function serviceLinkedRole(limits: Limits = { windowMs: 4_000 }): Rule {
  const gate = new Gate('ecs-service-linked-role', limits);
  let since: number | undefined;
  return rule(gate, `${ECS_SLR}; awslabs/fargatecli#35; aws-samples/run-selenium-tests-at-scale-using-ecs-fargate#2`, {
    before(call, now) {
      if (call.service !== 'ECS' || !['CreateCluster', 'CreateService'].includes(call.operation)) return undefined;
      since ??= now;
      if (!gate.open(since, now) || !gate.hit(call.operation)) return undefined;
      return awsError(
        'ECS',
        'InvalidParameterException',
        'Unable to assume the service linked role. Please verify that the ECS service linked role exists.',
      );
    },
  });
}

/**
 * EC2 eventual consistency for a new security group: for `windowMs` after CreateSecurityGroup
 * returned its ID, a call naming that ID may fail InvalidGroup.NotFound (EC2) or
 * InvalidSecurityGroup (ELBv2 CreateLoadBalancer / SetSecurityGroups).
 */
export function newSecurityGroupNotVisible(limits: Limits = { windowMs: 3_000 }): Rule {
  const gate = new Gate('ec2-new-security-group-not-visible', limits);
  const created = new Map<string, number>();
  return rule(gate, `${EC2_EVENTUAL}; aws/aws-sdk-js#318; hashicorp/packer#1322`, {
    after(call, status, body, now) {
      if (call.service === 'EC2' && call.operation === 'CreateSecurityGroup' && status === 200) {
        const id = /<groupId>(sg-[0-9a-f]+)<\/groupId>/.exec(body)?.[1];
        if (id) created.set(id, now);
      }
      return undefined;
    },
    before(call, now) {
      const elb = call.service === ELB && ['CreateLoadBalancer', 'SetSecurityGroups'].includes(call.operation);
      if (!(call.service === 'EC2' && call.operation !== 'CreateSecurityGroup') && !elb) return undefined;
      const named = valuesOf(call.params).find((v) => created.has(v) && gate.open(created.get(v), now));
      if (!named || !gate.hit(`${call.operation}/${named}`)) return undefined;
      return elb
        ? awsError(ELB, 'InvalidSecurityGroup', `Security group '${named}' does not exist`)
        : awsError('EC2', 'InvalidGroup.NotFound', `The security group '${named}' does not exist`);
    },
  });
}

/**
 * The same for instances: for `windowMs` after RunInstances, a call passing one of its instance
 * IDs explicitly (InstanceId.N) may fail InvalidInstanceID.NotFound.
 */
export function newInstanceNotVisible(limits: Limits = { windowMs: 5_000 }): Rule {
  const gate = new Gate('ec2-new-instance-not-visible', limits);
  const launched = new Map<string, number>();
  return rule(gate, `${EC2_EVENTUAL} ("InvalidInstanceID.NotFound" after RunInstances)`, {
    after(call, status, body, now) {
      if (call.service === 'EC2' && call.operation === 'RunInstances' && status === 200)
        for (const m of body.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)) launched.set(m[1]!, now);
      return undefined;
    },
    before(call, now) {
      if (call.service !== 'EC2' || call.operation === 'RunInstances') return undefined;
      const named = Object.entries(call.params)
        .filter(([k]) => /^InstanceId(\.\d+)?$/.test(k))
        .map(([, v]) => String(v))
        .find((id) => launched.has(id) && gate.open(launched.get(id), now));
      if (!named || !gate.hit(`${call.operation}/${named}`)) return undefined;
      return awsError('EC2', 'InvalidInstanceID.NotFound', `The instance ID '${named}' does not exist`);
    },
  });
}

/** Quota errors as each service words them, by operation (what a user meets first on a small account). */
export const QUOTAS = {
  VcpuLimitExceeded: {
    service: 'EC2',
    operation: 'RunInstances',
    status: 400,
    message:
      'You have requested more vCPU capacity than your current vCPU limit of 0 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html (VcpuLimitExceeded)',
  },
  InstanceLimitExceeded: {
    service: 'EC2',
    operation: 'RunInstances',
    status: 400,
    message: 'Your quota allows for 0 more running instance(s). You requested at least 1.',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html (InstanceLimitExceeded)',
  },
  TooManyLoadBalancers: {
    service: ELB,
    operation: 'CreateLoadBalancer',
    status: 400,
    message: 'The quota for the number of load balancers has been reached.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html',
  },
  'ECS LimitExceededException': {
    service: 'ECS',
    operation: 'CreateCluster',
    status: 400,
    message: 'The limit for the resource was exceeded.',
    source: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html',
  },
  LimitExceeded: {
    service: 'IAM',
    operation: 'CreateRole',
    status: 409,
    message: 'Cannot exceed quota for RolesPerAccount: 1000.',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  },
  'Logs LimitExceededException': {
    service: 'LOGS',
    operation: 'CreateLogGroup',
    status: 400,
    message: 'Resource limit exceeded.',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  },
} as const;

/** An account at one of its quotas: every `operation` call answers the quota error. */
export function quota(which: keyof typeof QUOTAS, limits: Limits = {}): Rule {
  const q = QUOTAS[which];
  const code = which.replace(/^(ECS|Logs) /, '');
  const gate = new Gate(`quota-${which.replace(' ', '-')}`, limits);
  return rule(gate, q.source, {
    before(call, now) {
      if (call.service !== q.service || call.operation !== q.operation) return undefined;
      if (!gate.open(now, now) || !gate.hit(call.operation)) return undefined;
      return awsError(q.service, code, q.message, q.status);
    },
  });
}

/**
 * An availability zone the account cannot put a load balancer in (older accounts have one, e.g.
 * us-east-1e or us-west-1a): CreateLoadBalancer/SetSubnets naming a subnet of it fail.
 */
export function albUnsupportedZone(zone: string, subnetIds: readonly string[], limits: Limits = {}): Rule {
  const gate = new Gate('elb-unsupported-zone', limits);
  return rule(gate, 'widdix/mastodon-on-aws#13 (ValidationError, HTTP 400)', {
    before(call, now) {
      if (call.service !== ELB || !['CreateLoadBalancer', 'SetSubnets'].includes(call.operation)) return undefined;
      const named = valuesOf(call.params).some((v) => subnetIds.includes(v));
      if (!named || !gate.open(now, now) || !gate.hit(call.operation)) return undefined;
      return awsError(
        ELB,
        'ValidationError',
        `The following Availability Zones ${zone} cannot be associated with a load balancer. Please try a different Availability Zone.`,
      );
    },
  });
}

export {
  clusterKeepsInstances,
  createServiceNotIdempotent,
  deletedLoadBalancerTags,
  instanceTypeOfferings,
  names,
  partitions,
  privateSubnets,
  targetGroupKeepsListener,
  taskDefinitionDefaults,
} from './shapes.js';
export type { StrictCall };
