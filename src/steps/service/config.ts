/**
 * What ecsctl asks of an ECS service, kept apart from the calls that ask for it: the deployment
 * configuration, the load balancer block, and looking up a service with its tags.
 */
import {
  DescribeServicesCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type LoadBalancer,
  type Service,
  type Tag,
} from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import { missingStep, OperationError } from '../../errors.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';

export type ServiceRecord = NonNullable<State['service']>;
export type SchedulingStrategy = 'REPLICA' | 'DAEMON';

/**
 * Rolling-update settings for the walkthrough's shape: two small instances, ten 128 MiB tasks,
 * dynamic host ports (hostPort 0). Dynamic ports mean a new task never collides with an old one
 * on the same instance, so ECS may start the new tasks first (maximumPercent 200) when memory
 * allows. Two t3.micro cannot hold 20 such tasks, though, and with minimumHealthyPercent 100
 * ECS could neither start more nor stop any: the classic stuck deployment. 50 lets ECS stop up to
 * half of the old tasks to make room, so a redeploy always progresses while half still serve.
 * The circuit breaker stops (and rolls back) a deployment whose tasks keep failing instead of
 * letting ECS retry forever; the wait reports that as a failure.
 */
export function deploymentConfiguration(strategy: SchedulingStrategy): DeploymentConfiguration {
  const breaker = { deploymentCircuitBreaker: { enable: true, rollback: true } };
  // A DAEMON service runs one task per instance; the percentages mean something else there
  // (ECS stops the old task before starting the new one), so the defaults are kept.
  return strategy === 'DAEMON' ? breaker : { ...breaker, minimumHealthyPercent: 50, maximumPercent: 200 };
}

/** True when the live service has the circuit breaker with rollback turned on. */
export function hasCircuitBreaker(service: Service): boolean {
  const cb = service.deploymentConfiguration?.deploymentCircuitBreaker;
  return cb?.enable === true && cb.rollback === true;
}

/** The loadBalancers block for the recorded target group and the task definition's container. */
export function loadBalancerFor(
  state: State,
  container: { containerName: string; containerPort: number },
): LoadBalancer {
  if (!state.targetGroup) throw missingStep('target group', 'lb create');
  return {
    targetGroupArn: state.targetGroup.arn,
    containerName: container.containerName,
    containerPort: container.containerPort,
  };
}

export function sameLoadBalancers(live: readonly LoadBalancer[] | undefined, wanted: readonly LoadBalancer[]): boolean {
  const key = (lb: LoadBalancer) => `${lb.targetGroupArn}|${lb.containerName}|${lb.containerPort}`;
  const a = (live ?? []).map(key).sort();
  const b = wanted.map(key).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Real ECS refuses a target group that no load balancer forwards to yet ("does not have an
 * associated load balancer"); say so before CreateService/UpdateService rather than after.
 */
export async function assertTargetGroupInUse(ctx: StepContext, tg: { name: string; arn: string }): Promise<void> {
  let lbs: string[] | undefined;
  try {
    const out = await ctx.aws.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.arn] }));
    lbs = out.TargetGroups?.[0]?.LoadBalancerArns;
  } catch (e) {
    if (isAwsError(e, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) {
      throw new OperationError(`the recorded target group ${tg.name} no longer exists`, {
        hint: 'Run `ecsctl lb create` to create it again.',
      });
    }
    throw asOperationError(`describe target group ${tg.name}`, e);
  }
  if (!lbs || lbs.length === 0) {
    throw new OperationError(
      `target group ${tg.name} is not attached to a load balancer yet, and ECS refuses such a target group`,
      {
        hint: 'Run `ecsctl lb create` (load balancer and HTTP:80 listener) first, or pass --no-lb.',
      },
    );
  }
}

export interface FoundService {
  readonly service: Service;
  readonly tags: Tag[] | undefined;
}

/** The service of that name in the cluster, in whatever status (INACTIVE included), with its tags. */
export async function findService(ecs: ECSClient, cluster: string, name: string): Promise<FoundService | undefined> {
  try {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }));
    const service = out.services?.find((s) => s.serviceName === name || s.serviceArn === name);
    return service ? { service, tags: service.tags } : undefined;
  } catch (e) {
    if (isAwsError(e, 'ClusterNotFoundException', 'ServiceNotFoundException')) return undefined;
    throw asOperationError(`describe ECS service ${name}`, e);
  }
}

export const isLive = (s: Service | undefined): boolean => s?.status === 'ACTIVE' || s?.status === 'DRAINING';
