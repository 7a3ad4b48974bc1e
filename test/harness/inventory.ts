/**
 * Everything in a moto account, read through the SDK (never through ecsctl), as sorted lists of
 * identifiers per kind: the reliability tests compare it before and after a command to prove
 * nothing was created twice, leaked, or touched. Default VPC resources moto creates are left out.
 */
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  DescribeClustersCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { VerifyClients } from './aws.js';

export interface Inventory {
  clusters: string[];
  services: string[];
  containerInstances: string[];
  taskDefinitions: string[];
  instances: string[];
  securityGroups: string[];
  loadBalancers: string[];
  targetGroups: string[];
  listeners: string[];
  repositories: string[];
  roles: string[];
  instanceProfiles: string[];
  logGroups: string[];
}

const sorted = (xs: (string | undefined)[]) => xs.filter((x): x is string => !!x).sort();

export async function inventory(aws: VerifyClients): Promise<Inventory> {
  const clusterArns = (await aws.ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
  const clusters = clusterArns.length
    ? ((await aws.ecs.send(new DescribeClustersCommand({ clusters: clusterArns }))).clusters ?? []).filter(
        (c) => c.status === 'ACTIVE',
      )
    : [];
  const services: string[] = [];
  const containerInstances: string[] = [];
  for (const c of clusters) {
    services.push(...((await aws.ecs.send(new ListServicesCommand({ cluster: c.clusterArn }))).serviceArns ?? []));
    containerInstances.push(
      ...((await aws.ecs.send(new ListContainerInstancesCommand({ cluster: c.clusterArn }))).containerInstanceArns ??
        []),
    );
  }
  const reservations = (await aws.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
  const instances = reservations
    .flatMap((r) => r.Instances ?? [])
    .filter((i) => i.State?.Name !== 'terminated' && i.State?.Name !== 'shutting-down');
  const groups = ((await aws.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).filter(
    (g) => g.GroupName !== 'default',
  );
  const lbs = (await aws.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const listeners: string[] = [];
  for (const lb of lbs)
    listeners.push(
      ...(
        (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []
      ).map((l) => l.ListenerArn!),
    );
  return {
    clusters: sorted(clusters.map((c) => c.clusterName)),
    services: sorted(services),
    containerInstances: sorted(containerInstances),
    taskDefinitions: sorted(
      (await aws.ecs.send(new ListTaskDefinitionsCommand({ status: 'ACTIVE' }))).taskDefinitionArns ?? [],
    ),
    instances: sorted(instances.map((i) => i.InstanceId)),
    securityGroups: sorted(groups.map((g) => `${g.GroupName} ${g.GroupId}`)),
    loadBalancers: sorted(lbs.map((l) => l.LoadBalancerName)),
    targetGroups: sorted(
      ((await aws.elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((t) => t.TargetGroupName),
    ),
    listeners: sorted(listeners),
    repositories: sorted(
      ((await aws.ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName),
    ),
    roles: sorted(((await aws.iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName)),
    instanceProfiles: sorted(
      ((await aws.iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []).map(
        (p) => p.InstanceProfileName,
      ),
    ),
    logGroups: sorted(
      ((await aws.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName),
    ),
  };
}

/** How many of each kind: the shape a complete one-stack `up` leaves (or zero everywhere after `down`). */
export function counts(inv: Inventory): Record<keyof Inventory, number> {
  return Object.fromEntries(Object.entries(inv).map(([k, v]) => [k, (v as string[]).length])) as Record<
    keyof Inventory,
    number
  >;
}

/** A complete stack of the defaults (2 instances), with nothing else in the account. */
export const COMPLETE_STACK: Record<keyof Inventory, number> = {
  clusters: 1,
  services: 1,
  containerInstances: 2,
  taskDefinitions: 1,
  instances: 2,
  securityGroups: 2,
  loadBalancers: 1,
  targetGroups: 1,
  listeners: 1,
  repositories: 1,
  roles: 1,
  instanceProfiles: 1,
  logGroups: 1,
};

/** After `down`: nothing at all (the task definition revisions are INACTIVE, instances terminated). */
export const EMPTY: Record<keyof Inventory, number> = Object.fromEntries(
  Object.keys(COMPLETE_STACK).map((k) => [k, 0]),
) as Record<keyof Inventory, number>;
