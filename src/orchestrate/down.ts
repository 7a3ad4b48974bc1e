/**
 * `ecsctl down`: deletes exactly what the state records, in dependency order and in parallel
 * where safe, each deletion starting the moment its own blockers are gone. The load balancer goes
 * first, and its security group goes the moment the load balancer's network interfaces are
 * released (watched, not guessed from DependencyViolation); the target group's deregistration
 * delay is lowered before the service drains; container instances are deregistered before they
 * are terminated (else ECS keeps them ~20 minutes), and the cluster goes once they are
 * deregistered, without waiting for the terminations. Anything already gone counts as done; a
 * resource without the stack's tag is reported and forgotten, never deleted.
 *
 *   alias ─ loadBalancer (DeleteLoadBalancer sent) ─┬─ loadBalancerGone ─ targetGroup (and after service)
 *     │                                              └─ lbInterfaces (group checked, interfaces released) ─┐
 *     │   then, ordered after it (Task.after): autoScaling, lowerDelay ─ service ─┬─ capacity             │
 *     │   repo                                 containerInstances ─┬─ instances ─┬─ instanceSg ──── lbSg ◄┘
 *     │                                                            └─ cluster    └─ iam
 *     │                                          service ─ taskdef ─ executionRole, logGroup
 *     └─ httpsListener ─ certificate (also after loadBalancerGone) ─ validationRecord   (--domain)
 *
 * The load balancer's deletion goes out first and alone: its interfaces' ~90 s release is down's
 * longest wait, so every other first-wave task is ordered after it (and their SDK clients load
 * only then). Its security group's tags are read while the interfaces go, so once they have,
 * DeleteSecurityGroup is the only call left.
 */
import { ForeignResourceError } from '../errors.js';
import type { State, StatePatch } from '../state/schema.js';
import type { ServiceName } from '../aws/clients.js';
import type { StepContext } from '../steps/context.js';
import type { OwnedGroup } from '../steps/network/security-groups.js';
import { outcomeOf, type Task, type TaskOutcome } from './graph.js';
import { taskContext } from './task-context.js';
import { downDomainPlan, downDomainRunners, DOWN_DOMAIN_SERVICES, type DownDomainTaskId } from './domain-tasks.js';

export type DownTaskId =
  | 'lowerDelay'
  | 'autoScaling'
  | 'service'
  | 'loadBalancer'
  | 'loadBalancerGone'
  | 'lbInterfaces'
  | 'targetGroup'
  | 'capacity'
  | 'containerInstances'
  | 'instances'
  | 'instanceSg'
  | 'iam'
  | 'cluster'
  | 'lbSg'
  | 'taskdef'
  | 'executionRole'
  | 'logGroup'
  | 'repo'
  | DownDomainTaskId;

export interface DownSettings {
  readonly keepRepo: boolean;
  readonly keepLogs: boolean;
  /** Bound for each wait (service INACTIVE, LB gone, instances terminated, SG DependencyViolation). */
  readonly waitTimeoutMs: number;
}

export interface PlannedDownTask {
  readonly id: DownTaskId;
  readonly title: string;
  readonly deps: readonly DownTaskId[];
  /** The state sections it removes; a task whose sections are all absent has nothing to do. */
  readonly sections: readonly (keyof State)[];
  /** Also finds its resources by tag (a create whose ID was never recorded), so it always runs. */
  readonly byTag?: boolean;
  /** Order only (Task.after). */
  readonly after?: readonly DownTaskId[];
}

/** Nothing recorded for it and nothing to find by tag: the task finishes at once, and stays so (down records nothing new). */
export const hasNothingToDelete = (p: PlannedDownTask, state: State): boolean =>
  !p.byTag && p.sections.every((k) => state[k] === undefined);

/** Ordered after the load balancer's deletion (see the diagram): nothing else of theirs is urgent. */
const BEHIND_LOAD_BALANCER: readonly DownTaskId[] = ['lowerDelay', 'autoScaling', 'repo'];

export function downPlan(d: DownSettings): PlannedDownTask[] {
  const t = (
    id: DownTaskId,
    title: string,
    deps: DownTaskId[],
    sections: (keyof State)[],
    byTag = false,
  ): PlannedDownTask => ({
    id,
    title,
    deps,
    sections,
    ...(byTag ? { byTag } : {}),
    ...(BEHIND_LOAD_BALANCER.includes(id) ? { after: ['loadBalancer'] } : {}),
  });
  return [
    t('lowerDelay', 'lower the deregistration delay', [], ['targetGroup']),
    // Deregistered first: an autoscaler with min ≥ 1 would scale the draining service back up.
    t('autoScaling', 'scalable target and scaling policies', [], ['autoScaling']),
    t('service', 'scale to 0, delete, wait INACTIVE', ['lowerDelay', 'autoScaling'], ['service'], true),
    // The alias record goes first, so the name never points at a deleted load balancer.
    t('loadBalancer', 'listener and load balancer', ['alias'], ['listener', 'loadBalancer']),
    t('loadBalancerGone', 'load balancer gone', ['loadBalancer'], ['listener', 'loadBalancer']),
    t('lbInterfaces', 'load balancer interfaces released', ['loadBalancer'], ['lbSecurityGroup']),
    t('targetGroup', 'target group', ['service', 'loadBalancerGone'], ['targetGroup']),
    t('capacity', 'capacity provider, Auto Scaling group, launch template', ['service'], ['capacity']),
    t('containerInstances', 'deregister container instances', ['service', 'capacity'], ['instances'], true),
    t('instances', 'terminate instances', ['containerInstances'], ['instances'], true),
    // The group's instances used the instance group and profile too: both wait for the group.
    t('instanceSg', 'instance security group', ['instances', 'capacity'], ['instanceSecurityGroup']),
    t('iam', 'instance role and profile', ['instances', 'capacity'], ['instanceRole']),
    t('cluster', 'ECS cluster', ['service', 'capacity', 'containerInstances'], ['cluster']),
    // Its group is deleted only once the load balancer is gone from the state as well.
    t('lbSg', 'load balancer security group', ['lbInterfaces', 'instanceSg', 'loadBalancerGone'], ['lbSecurityGroup']),
    t('taskdef', 'task definition revisions', ['service'], ['taskDefinition']),
    t('executionRole', 'task execution role', ['service', 'taskdef'], ['executionRole']),
    ...(d.keepLogs ? [] : [t('logGroup', 'log group', ['service'], ['logGroup'])]),
    ...(d.keepRepo ? [] : [t('repo', 'ECR repository and images', [], ['repository', 'image'])]),
    ...(downDomainPlan(t, 'loadBalancerGone') as PlannedDownTask[]),
  ];
}

/** The AWS services each task calls: it starts once their clients have loaded. */
const SERVICES: Record<DownTaskId, readonly ServiceName[]> = {
  lowerDelay: ['elb'],
  autoScaling: ['appscaling'],
  service: ['ecs'],
  loadBalancer: ['elb'],
  loadBalancerGone: ['elb'],
  lbInterfaces: ['ec2'],
  targetGroup: ['elb'],
  capacity: ['ecs', 'ec2', 'autoscaling'],
  containerInstances: ['ec2', 'ecs'],
  instances: ['ec2'],
  instanceSg: ['ec2'],
  iam: ['iam'],
  cluster: ['ecs'],
  lbSg: ['ec2'],
  taskdef: ['ecs'],
  executionRole: ['iam'],
  logGroup: ['logs'],
  repo: ['ecr'],
  ...DOWN_DOMAIN_SERVICES,
};

export function downTasks(ctx: StepContext, d: DownSettings): Task<DownTaskId>[] {
  const timeoutMs = d.waitTimeoutMs;
  const runners: Record<DownTaskId, (c: StepContext) => Promise<TaskOutcome>> = {
    lowerDelay: async (c) =>
      outcomeOf(await (await import('../steps/lb/target-group.js')).lowerDeregistrationDelay(c, 0)),
    autoScaling: async (c) => outcomeOf(await (await import('../steps/service/autoscaling.js')).deleteAutoScaling(c)),
    service: async (c) =>
      outcomeOf((await (await import('../steps/service/delete.js')).deleteService(c, { timeoutMs })).outcome),
    loadBalancer: async (c) => {
      // DeleteLoadBalancer takes the listeners with it; a listener recorded without its load
      // balancer is deleted on its own.
      if (!c.state.current.loadBalancer) {
        const listener = await (await import('../steps/lb/listener.js')).deleteListener(c);
        return outcomeOf(listener, `listener ${listener}`);
      }
      const sent = await (await import('../steps/lb/alb.js')).sendLoadBalancerDeletion(c);
      if (sent.outcome === 'absent') return outcomeOf('absent');
      deletedLoadBalancer = sent.arn;
      return outcomeOf('deleted', 'deleting (its listeners with it)');
    },
    loadBalancerGone: async (c) => {
      if (!deletedLoadBalancer) return outcomeOf('absent');
      await (await import('../steps/lb/alb.js')).waitForLoadBalancerDeleted(c, deletedLoadBalancer, { timeoutMs });
      return outcomeOf('deleted', 'gone');
    },
    lbInterfaces: async (c) => {
      const { waitForLoadBalancerInterfaces } = await import('../steps/lb/interfaces.js');
      const { loadBalancerName } = await import('../steps/lb/alb.js');
      const { findOwnedGroup } = await import('../steps/network/security-groups.js');
      lbGroup = await findOwnedGroup(c, 'lbSecurityGroup');
      if (!lbGroup) return outcomeOf('absent');
      await waitForLoadBalancerInterfaces(c, {
        groupId: lbGroup.id,
        loadBalancerName: loadBalancerName(c.state.current.name),
        timeoutMs,
      });
      return outcomeOf('deleted', 'released');
    },
    targetGroup: async (c) =>
      outcomeOf(await (await import('../steps/lb/target-group.js')).deleteTargetGroup(c, { timeoutMs })),
    capacity: async (c) => {
      const r = await (
        await import('../steps/capacity/stack.js')
      ).deleteCapacity(c, {
        timeoutMs,
        update: (d) => c.report.info(d),
      });
      if (r.outcome === 'absent') return outcomeOf('absent');
      return outcomeOf(
        'deleted',
        `provider ${r.capacityProvider}, group ${r.autoScalingGroup} (${r.terminated.length} instance(s) terminated), launch template ${r.launchTemplate}`,
      );
    },
    containerInstances: async (c) => {
      const r = await (await import('../steps/instances/teardown.js')).deregisterStackInstances(c);
      toTerminate = r.ids;
      return r.deregistered || r.ids.length
        ? outcomeOf('deleted', `${r.deregistered} deregistered`)
        : outcomeOf('absent');
    },
    instances: async (c) => {
      await (await import('../steps/instances/teardown.js')).terminateStackInstances(c, toTerminate, { timeoutMs });
      return toTerminate.length ? outcomeOf('deleted', `${toTerminate.length} terminated`) : outcomeOf('absent');
    },
    instanceSg: async (c) =>
      outcomeOf(
        await (
          await import('../steps/network/security-groups.js')
        ).deleteSecurityGroup(c, 'instanceSecurityGroup', {
          timeoutMs,
        }),
      ),
    iam: async (c) => outcomeOf(await (await import('../steps/instances/iam.js')).deleteInstanceRole(c)),
    cluster: async (c) =>
      outcomeOf((await (await import('../steps/cluster/cluster.js')).deleteCluster(c, { timeoutMs })).outcome),
    lbSg: async (c) => {
      const groups = await import('../steps/network/security-groups.js');
      // Checked and released in lbInterfaces: only the deletion is left.
      if (lbGroup) return outcomeOf(await groups.deleteOwnedGroup(c, lbGroup, { timeoutMs }));
      return outcomeOf(await groups.deleteLbSecurityGroupIfUnused(c, { timeoutMs }));
    },
    taskdef: async (c) => {
      const r = await (await import('../steps/taskdef/taskdef.js')).deleteTaskDefinitions(c);
      return outcomeOf(
        'deleted',
        `${r.deleted.length} revision(s) deleted${r.skipped.length ? `, ${r.skipped.length} not ours left` : ''}`,
      );
    },
    executionRole: async (c) =>
      outcomeOf(await (await import('../steps/taskdef/execution-role.js')).deleteExecutionRole(c)),
    logGroup: async (c) => outcomeOf((await (await import('../steps/logs/log-group.js')).deleteLogGroup(c)).outcome),
    repo: async (c) =>
      outcomeOf((await (await import('../steps/repo/repository.js')).deleteRepository(c, { force: true })).outcome),
    ...downDomainRunners(timeoutMs),
  };
  let toTerminate: string[] = [];
  let deletedLoadBalancer: string | undefined;
  let lbGroup: OwnedGroup | undefined;
  return downPlan(d).map((p) => ({
    id: p.id,
    title: p.title,
    deps: p.deps,
    ...(p.after ? { after: p.after } : {}),
    run: async (update, stop) => {
      // Checked before waiting for clients: a stack without an Auto Scaling group never waits
      // for that SDK package to load.
      if (hasNothingToDelete(p, ctx.state.current)) return outcomeOf('nothing recorded');
      await ctx.awsReady?.(SERVICES[p.id]);
      const c = taskContext(ctx, update, stop);
      try {
        return await runners[p.id](c);
      } catch (e) {
        if (!(e instanceof ForeignResourceError)) throw e;
        // Named in the state but not ours (a hand-edited or stale state): report it, forget it.
        ctx.report.warn(`${e.message}; left alone and removed from the state`);
        const forget: StatePatch = Object.fromEntries(p.sections.map((k) => [k, undefined]));
        await c.state.record(forget);
        return outcomeOf('left alone', 'left alone: not created by ecsctl');
      }
    },
  }));
}
