/**
 * Strict rules about what a real account looks like and refuses, rather than passing glitches:
 * names and partitions AWS validates, the defaults ECS fills into task definitions, teardown
 * ordering real ECS/ELBv2 enforce for a while, and subnets without public IPs.
 */
import { Gate, rule, type Limits, type Rule } from './rule.js';
import { awsError, valuesOf } from './wire.js';

const ELB = 'ELASTICLOADBALANCING';

/** "aws-cn" for cn-north-1, "aws-us-gov" for us-gov-west-1, … (as the SDK's partitions.json says). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * IAM checks the partition of every ARN it is given against the account's partition:
 * in cn-north-1, AttachRolePolicy of `arn:aws:iam::aws:policy/…` fails ValidationError.
 */
export function partitions(limits: Limits = {}): Rule {
  const gate = new Gate('iam-arn-partition', limits);
  return rule(gate, 'pulumi/pulumi-aws-apigateway#347; cloud-gov/aws-broker#383 (IAM validates ARN partitions)', {
    before(call, now) {
      if (call.service !== 'IAM') return undefined;
      const want = partitionOfRegion(call.region);
      const wrong = valuesOf(call.params).find((v) => /^arn:[^:]+:/.test(v) && v.split(':')[1] !== want);
      if (!wrong || !gate.open(now, now) || !gate.hit(call.operation)) return undefined;
      return awsError('IAM', 'ValidationError', 'Invalid ARN partition');
    },
  });
}

/**
 * Names AWS refuses that moto accepts: security group names starting `sg-` (CreateSecurityGroup),
 * load balancer names starting `internal-` or longer than 32 characters, target group names
 * longer than 32.
 */
export function names(limits: Limits = {}): Rule {
  const gate = new Gate('aws-name-rules', limits);
  return rule(
    gate,
    'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html ("Cannot start with sg-"); https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html ("must not begin with internal-")',
    {
      before(call, now) {
        if (!gate.open(now, now)) return undefined;
        const p = call.params;
        if (call.service === 'EC2' && call.operation === 'CreateSecurityGroup') {
          const name = String(p.GroupName ?? '');
          if (/^sg-/i.test(name) && gate.hit(name))
            return awsError(
              'EC2',
              'InvalidParameterValue',
              `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`,
            );
        }
        if (call.service === ELB && ['CreateLoadBalancer', 'CreateTargetGroup'].includes(call.operation)) {
          const name = String(p.Name ?? '');
          const what = call.operation === 'CreateLoadBalancer' ? 'Load balancer' : 'Target group';
          if (call.operation === 'CreateLoadBalancer' && /^internal-/.test(name) && gate.hit(name))
            return awsError(ELB, 'ValidationError', `${what} name '${name}' cannot begin with 'internal-'`);
          if (name.length > 32 && gate.hit(name))
            return awsError(ELB, 'ValidationError', `${what} name '${name}' cannot be longer than '32' characters`);
        }
        return undefined;
      },
    },
  );
}

interface ContainerJson {
  cpu?: number;
  essential?: boolean;
  portMappings?: { containerPort?: number; hostPort?: number; protocol?: string }[];
  [k: string]: unknown;
}

/**
 * DescribeTaskDefinition/RegisterTaskDefinition as real ECS answers them: every default filled
 * in (cpu 0, essential true, empty lists, protocol tcp, the bridge host port 0) and the
 * read-only fields (compatibilities, requiresAttributes, registeredAt, registeredBy).
 */
export function taskDefinitionDefaults(limits: Limits = {}): Rule {
  const gate = new Gate('ecs-task-definition-defaults', limits);
  return rule(gate, 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html', {
    after(call, status, body, now) {
      if (call.service !== 'ECS' || status !== 200) return undefined;
      if (!['DescribeTaskDefinition', 'RegisterTaskDefinition'].includes(call.operation)) return undefined;
      if (!gate.open(now, now)) return undefined;
      const out = JSON.parse(body) as { taskDefinition?: Record<string, unknown> };
      const td = out.taskDefinition;
      if (!td || !gate.hit(call.operation)) return undefined;
      const bridge = (td.networkMode ?? 'bridge') === 'bridge';
      td.containerDefinitions = ((td.containerDefinitions as ContainerJson[] | undefined) ?? []).map((c) => ({
        ...c,
        cpu: c.cpu ?? 0,
        essential: c.essential ?? true,
        environment: c.environment ?? [],
        mountPoints: c.mountPoints ?? [],
        volumesFrom: c.volumesFrom ?? [],
        systemControls: c.systemControls ?? [],
        portMappings: (c.portMappings ?? []).map((m) => ({
          ...m,
          hostPort: m.hostPort ?? (bridge ? 0 : m.containerPort),
          protocol: m.protocol ?? 'tcp',
        })),
      }));
      td.volumes ??= [];
      td.placementConstraints ??= [];
      td.compatibilities = ['EXTERNAL', 'EC2'];
      td.requiresAttributes = [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }];
      td.registeredAt = Date.now() / 1000;
      td.registeredBy = 'arn:aws:iam::123456789012:user/strict';
      return JSON.stringify(out);
    },
  });
}

/**
 * Right after the last container instance is deregistered, ECS still counts it for a while:
 * DeleteCluster fails ClusterContainsContainerInstancesException for `windowMs` (default 3 s).
 */
export function clusterKeepsInstances(limits: Limits = { windowMs: 3_000 }): Rule {
  const gate = new Gate('ecs-cluster-keeps-instances', limits);
  let since: number | undefined;
  return rule(
    gate,
    'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html; aws/aws-cli#2078',
    {
      after(call, status, _body, now) {
        if (call.service === 'ECS' && call.operation === 'DeregisterContainerInstance' && status === 200) since = now;
        return undefined;
      },
      before(call, now) {
        if (call.service !== 'ECS' || call.operation !== 'DeleteCluster') return undefined;
        if (!gate.open(since, now) || !gate.hit(call.operation)) return undefined;
        return awsError(
          'ECS',
          'ClusterContainsContainerInstancesException',
          'The Cluster cannot be deleted while Container Instances are active or draining.',
        );
      },
    },
  );
}

/** After DeleteLoadBalancer, DeleteTargetGroup answers ResourceInUse for `windowMs` (the listener lets go late). */
export function targetGroupKeepsListener(limits: Limits = { windowMs: 3_000 }): Rule {
  const gate = new Gate('elb-target-group-in-use', limits);
  let since: number | undefined;
  return rule(gate, 'hashicorp/terraform-provider-aws#16889; pulumi/pulumi#5900', {
    after(call, status, _body, now) {
      if (call.service === ELB && call.operation === 'DeleteLoadBalancer' && status === 200) since = now;
      return undefined;
    },
    before(call, now) {
      if (call.service !== ELB || call.operation !== 'DeleteTargetGroup') return undefined;
      if (!gate.open(since, now) || !gate.hit(call.operation)) return undefined;
      return awsError(
        ELB,
        'ResourceInUse',
        `Target group '${String(call.params.TargetGroupArn)}' is currently in use by a listener or a rule`,
      );
    },
  });
}

/**
 * DescribeTags naming a deleted load balancer fails LoadBalancerNotFound on AWS; moto keeps the
 * deleted load balancer's tags and answers them (checked by hand on moto 5.2.1), which would pass
 * a deleted load balancer off as one of ours still to delete. Load balancers deleted through this
 * proxy only.
 */
export function deletedLoadBalancerTags(limits: Limits = {}): Rule {
  const gate = new Gate('elb-deleted-load-balancer-tags', limits);
  const deleted = new Set<string>();
  return rule(
    gate,
    'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html (Errors: LoadBalancerNotFound, HTTP 400)',
    {
      after(call, status) {
        if (call.service === ELB && call.operation === 'DeleteLoadBalancer' && status === 200)
          deleted.add(String(call.params.LoadBalancerArn));
        return undefined;
      },
      before(call, now) {
        if (call.service !== ELB || call.operation !== 'DescribeTags') return undefined;
        const named = valuesOf(call.params).find((v) => deleted.has(v));
        if (!named || !gate.open(now, now) || !gate.hit(named)) return undefined;
        return awsError(ELB, 'LoadBalancerNotFound', 'One or more load balancers not found');
      },
    },
  );
}

/** CreateService for the name of an ACTIVE service fails on real ECS (moto silently replaces it). */
export function createServiceNotIdempotent(limits: Limits = {}): Rule {
  const gate = new Gate('ecs-create-service-not-idempotent', limits);
  const active = new Set<string>();
  const key = (p: Record<string, unknown>, field: string) =>
    `${String(p.cluster ?? 'default')
      .split('/')
      .pop()}/${String(p[field] ?? '')
      .split('/')
      .pop()}`;
  return rule(gate, 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html', {
    after(call, status, _body) {
      if (call.service !== 'ECS' || status !== 200) return undefined;
      if (call.operation === 'CreateService') active.add(key(call.params, 'serviceName'));
      if (call.operation === 'DeleteService') active.delete(key(call.params, 'service'));
      return undefined;
    },
    before(call, now) {
      if (call.service !== 'ECS' || call.operation !== 'CreateService') return undefined;
      if (!active.has(key(call.params, 'serviceName')) || !gate.open(now, now) || !gate.hit('CreateService'))
        return undefined;
      return awsError('ECS', 'InvalidParameterException', 'Creation of service was not idempotent.');
    },
  });
}

/**
 * Subnets that do not give instances a public IP (a VPC built with private subnets, or a default
 * VPC someone changed): DescribeSubnets says MapPublicIpOnLaunch false. moto's route tables have
 * no internet or NAT route, so such a subnet reaches nothing.
 */
export function privateSubnets(limits: Limits = {}): Rule {
  const gate = new Gate('ec2-private-subnets', limits);
  return rule(gate, 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/networking-outbound.html', {
    after(call, status, body, now) {
      if (call.service !== 'EC2' || call.operation !== 'DescribeSubnets' || status !== 200) return undefined;
      if (!gate.open(now, now) || !gate.hit(call.operation)) return undefined;
      return body.replace(
        /<mapPublicIpOnLaunch>true<\/mapPublicIpOnLaunch>/g,
        '<mapPublicIpOnLaunch>false</mapPublicIpOnLaunch>',
      );
    },
  });
}

export { valuesOf };

/**
 * Not a strictness rule but a stand-in for a gap in moto: it has no instance type offerings
 * outside the standard partition (cn-north-1, us-gov-west-1 answer none), where AWS offers the
 * common types. Answers DescribeInstanceTypeOfferings in `region` with the filtered type in `zones`.
 */
export function instanceTypeOfferings(region: string, zones: readonly string[]): Rule {
  const gate = new Gate('standin-instance-type-offerings', {});
  return rule(gate, 'moto 5.2.1 (no offerings in aws-cn / aws-us-gov regions)', {
    before(call) {
      if (call.service !== 'EC2' || call.operation !== 'DescribeInstanceTypeOfferings' || call.region !== region)
        return undefined;
      const type = String(call.params['Filter.1.Value.1'] ?? 't3.small');
      if (!gate.hit(type)) return undefined;
      const items = zones
        .map(
          (z) =>
            `<item><instanceType>${type}</instanceType><locationType>availability-zone</locationType><location>${z}</location></item>`,
        )
        .join('');
      return {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>strict-aws-0000</requestId><instanceTypeOfferingSet>${items}</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>`,
      };
    },
  });
}
