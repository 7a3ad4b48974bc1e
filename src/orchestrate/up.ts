/**
 * `ecsctl up`: every walkthrough step, through the same step functions the subcommands use, run
 * along the dependency graph rather than in walkthrough order. On real AWS the load balancer takes
 * ~150 s to become active, so CreateLoadBalancer goes out in the first seconds and everything else
 * (build and push, IAM, instances booting and registering, task definition) happens meanwhile;
 * the service is created the moment its real inputs exist.
 *
 *   network ─┬─ lbSg ─┬─ instanceSg ─┐
 *            │        └─ loadBalancer ─┬─ listener ──────────────┐
 *            └─ targetGroup ───────────┘  lbActive ───────────┐   │
 *   iam, ami ─────────────────── instances (registered) ──────┼───┤
 *   cluster ──────────────────────────────────────────────────┼───┤
 *   repo ─ build ─┬─ push ─────────────────────────────────────┼───┤
 *                 └─ taskdef (log group first) ────────────────┼── service ─ rollout
 *                                                              └────────────┘
 *   --domain adds certificate (first wave) ─ https (after listener, lbSg) and loadBalancer ─ alias
 *   (orchestrate/domain-tasks.ts).
 */
import type { ServiceName } from '../aws/clients.js';
import type { StepContext } from '../steps/context.js';
import type { RolloutRef } from '../steps/service/wait.js';
import type { UpSettings } from './settings.js';
import { outcomeOf, type Task, type TaskOutcome } from './graph.js';
import type { ImageHooks } from './image-hooks.js';
import { taskContext } from './task-context.js';
import { clampDesiredCount } from '../steps/service/autoscaling-policy.js';
import type { State } from '../state/schema.js';
import { upDomain, upDomainPlan, upDomainRunners, UP_DOMAIN_SERVICES, type UpDomainTaskId } from './domain-tasks.js';
import { listenerSettings, serviceUpdateInput, targetGroupSettings, taskDefinitionOptions } from './up-inputs.js';

export type UpTaskId =
  | 'network'
  | 'repo'
  | 'cluster'
  | 'iam'
  | 'ami'
  | 'lbSg'
  | 'instanceSg'
  | 'targetGroup'
  | 'loadBalancer'
  | 'listener'
  | 'lbActive'
  | 'instances'
  | 'build'
  | 'push'
  | 'taskdef'
  | 'service'
  | 'autoScaling'
  | 'rollout'
  | UpDomainTaskId;

/** What the plan shows for each task: its title and the aws/docker commands a person would type. */
export interface PlannedTask {
  readonly id: UpTaskId;
  readonly title: string;
  readonly deps: readonly UpTaskId[];
  readonly after?: readonly UpTaskId[];
}

/**
 * Order only (Task.after): the first wave's other tasks start once CreateLoadBalancer has gone
 * out. The load balancer's ~150 s of provisioning is up's longest wait, so its chain (network →
 * lbSg → loadBalancer) sends its calls alone, with no other client compiling on the one thread
 * meanwhile; the rest follows a fraction of a second later, with tens of seconds to spare.
 */
const BEHIND_LOAD_BALANCER: readonly UpTaskId[] = ['repo', 'cluster', 'iam', 'ami', 'targetGroup', 'instanceSg'];

/** The AWS services each task calls: it starts once their clients have loaded. */
const SERVICES: Record<UpTaskId, readonly ServiceName[]> = {
  network: ['ec2'],
  repo: ['ecr'],
  cluster: ['ecs'],
  iam: ['iam'],
  ami: ['ssm'],
  lbSg: ['ec2'],
  instanceSg: ['ec2'],
  targetGroup: ['elb'],
  loadBalancer: ['elb'],
  listener: ['elb'],
  lbActive: ['elb'],
  instances: ['ec2', 'ecs'],
  build: ['ecr'],
  push: ['ecr'],
  taskdef: ['ecs', 'logs', 'iam'],
  service: ['ecs', 'elb', 'ec2', 'ecr'],
  autoScaling: ['ecs', 'appscaling'],
  rollout: ['ecs', 'elb'],
  ...UP_DOMAIN_SERVICES,
};

export function upPlan(s: UpSettings, state?: State): PlannedTask[] {
  const building = s.image === undefined;
  const t = (id: UpTaskId, title: string, deps: UpTaskId[]): PlannedTask => ({
    id,
    title,
    deps,
    ...(BEHIND_LOAD_BALANCER.includes(id) ? { after: ['loadBalancer'] } : {}),
  });
  const domain = state ? upDomain(s, state) : undefined;
  return [
    t('network', 'default VPC and subnets', []),
    t('repo', 'ECR repository', []),
    t('cluster', 'ECS cluster', []),
    t('iam', 'instance role and profile', []),
    t('ami', 'ECS-optimized AMI', []),
    t('lbSg', 'load balancer security group', ['network']),
    t('instanceSg', 'instance security group', ['lbSg']),
    t('loadBalancer', 'application load balancer', ['lbSg']),
    t('targetGroup', 'target group', ['network']),
    t('listener', `listener HTTP:${s.listenerPort}`, ['loadBalancer', 'targetGroup']),
    t('lbActive', 'load balancer active', ['loadBalancer']),
    t(
      'instances',
      s.capacity === 'asg'
        ? `Auto Scaling group and capacity provider, ${s.instanceCount} × ${s.instanceType} registered`
        : `${s.instanceCount} × ${s.instanceType} registered`,
      ['cluster', 'instanceSg', 'iam', 'ami', 'network'],
    ),
    t('build', building ? `docker build${s.platform ? ` ${s.platform}` : ''}` : 'image (given with --image)', ['repo']),
    t('push', building ? 'docker push' : 'image push (skipped)', ['build']),
    t('taskdef', 'log group and task definition', ['build']),
    t(
      'service',
      s.autoScaling
        ? `service (${clampDesiredCount(s.desiredCount, s.autoScaling.min, s.autoScaling.max)} tasks to start)`
        : `service (${s.desiredCount} tasks)`,
      ['cluster', 'taskdef', 'listener', 'push', 'instances'],
    ),
    ...(s.autoScaling
      ? [t('autoScaling', `auto scaling ${s.autoScaling.min}–${s.autoScaling.max} tasks`, ['service'])]
      : []),
    ...(s.wait ? [t('rollout', 'rollout and target health', ['service', 'lbActive'])] : []),
    ...(domain ? upDomainPlan(domain, t, { listener: 'listener', lbSg: 'lbSg', loadBalancer: 'loadBalancer' }) : []),
  ] as PlannedTask[];
}

/** The runnable graph: each task is a thin call into a step module (loaded when it starts). */
export function upTasks(ctx: StepContext, s: UpSettings, image: ImageHooks): Task<UpTaskId>[] {
  const domain = upDomain(s, ctx.state.current);
  const runners: Record<UpTaskId, (c: StepContext) => Promise<TaskOutcome>> = {
    ...upDomainRunners(domain, s),
    network: async (c) => {
      const before = c.state.current.network;
      const n = await (await import('../steps/network/network.js')).ensureNetwork(c);
      const outcome = before ? 'unchanged' : 'discovered';
      return outcomeOf(outcome, `${outcome}: ${n.vpcId}, ${n.subnets.length} subnets`);
    },
    repo: async (c) => outcomeOf((await (await import('../steps/repo/repository.js')).ensureRepository(c)).outcome),
    cluster: async (c) => outcomeOf((await (await import('../steps/cluster/cluster.js')).ensureCluster(c)).outcome),
    iam: async (c) => outcomeOf((await (await import('../steps/instances/iam.js')).ensureInstanceRole(c)).outcome),
    ami: async (c) => {
      amiId = (await (await import('../steps/instances/ami.js')).resolveAmi(c, { instanceType: s.instanceType }))
        .imageId;
      return outcomeOf('read', `read: ${amiId}`);
    },
    lbSg: async (c) => {
      const before = c.state.current.lbSecurityGroup?.id;
      const g = await (
        await import('../steps/network/security-groups.js')
      ).ensureLbSecurityGroup(c, {
        listenerPort: s.listenerPort,
        ingressCidr: (await import('../settings/defaults.js')).LB_DEFAULTS.ingressCidr,
      });
      const outcome = before === g.id ? 'unchanged' : 'created';
      return outcomeOf(outcome, `${outcome}: ${g.id}`);
    },
    instanceSg: async (c) => {
      const before = c.state.current.instanceSecurityGroup?.id;
      const g = await (
        await import('../steps/network/security-groups.js')
      ).ensureInstanceSecurityGroup(c, c.state.current.lbSecurityGroup!.id);
      const outcome = before === g.id ? 'unchanged' : 'created';
      return outcomeOf(outcome, `${outcome}: ${g.id}`);
    },
    loadBalancer: async (c) => {
      const { subnetsForLoadBalancer } = await import('../steps/network/network.js');
      const { ensureLoadBalancer } = await import('../steps/lb/alb.js');
      const st = c.state.current;
      const lb = await ensureLoadBalancer(c, {
        internal: false,
        subnetIds: subnetsForLoadBalancer(st.network!),
        securityGroupId: st.lbSecurityGroup!.id,
      });
      return outcomeOf(lb.outcome, `${lb.outcome}, ${lb.state ?? 'provisioning'}`);
    },
    targetGroup: async (c) => {
      const { ensureTargetGroup } = await import('../steps/lb/target-group.js');
      return outcomeOf((await ensureTargetGroup(c, targetGroupSettings(s))).outcome);
    },
    listener: async (c) => {
      const { ensureListener } = await import('../steps/lb/listener.js');
      // A stack already serving HTTPS keeps its redirect; the first run forwards until HTTPS exists.
      const r = await ensureListener(c, listenerSettings(s, c.state.current, domain !== undefined));
      return outcomeOf(r.outcome);
    },
    lbActive: async (c) =>
      outcomeOf(
        'read',
        `read: ${await (await import('../steps/lb/alb.js')).waitForLoadBalancerActive(c, { timeoutMs: s.waitTimeoutMs })}`,
      ),
    instances: async (c) => (await import('./up-instances.js')).upInstances(c, s, amiId!),
    build: (c) => image.build(c),
    push: (c) => image.push(c),
    taskdef: async (c) => {
      const { ensureTaskDefinition } = await import('../steps/taskdef/ensure.js');
      const r = await ensureTaskDefinition(c, taskDefinitionOptions(s, image.uri(c)));
      return outcomeOf(r.outcome, `${r.outcome}, revision ${r.taskDefinition?.revision}`);
    },
    service: async (c) => {
      const { createService } = await import('../steps/service/service.js');
      const { updateService } = await import('../steps/service/update.js');
      const { checkImageArchitecture } = await import('../steps/image/arch-check.js');
      // Refused here, in one line, rather than by ECS task after task ("exec format error").
      await checkImageArchitecture(c, { instanceType: c.state.current.instances?.type ?? s.instanceType });
      const live = c.state.current.service;
      // With auto scaling (asked for now, or recorded before) the autoscaler owns the desired
      // count: it is never sent to a live service, so a rerun cannot undo a scale-out
      // (terraform-aws-ecs#346); a new service starts at the count clamped into [min, max].
      const range = s.autoScaling ?? c.state.current.autoScaling;
      const converge = () =>
        updateService(c, serviceUpdateInput(s, c.state.current, c.state.current.taskDefinition!.arn));
      const initial = range ? clampDesiredCount(s.desiredCount, range.min, range.max) : s.desiredCount;
      let r = live
        ? await converge()
        : await createService(c, { desiredCount: initial, gateTimeoutMs: s.waitTimeoutMs });
      // createService adopts our own service found by name and tag (a run killed after CreateService)
      // without changing it; converge it now, so the next rerun has nothing left to do.
      if (!live && r.outcome === 'unchanged') r = await converge();
      rollout = r.rollout;
      return outcomeOf(r.outcome, r.changes?.length ? `${r.outcome}: ${r.changes.join(', ')}` : r.outcome);
    },
    autoScaling: async (c) => {
      const { ensureAutoScaling } = await import('../steps/service/autoscaling.js');
      const r = await ensureAutoScaling(c, s.autoScaling!);
      return outcomeOf(r.outcome, r.changes.length ? `${r.outcome}: ${r.changes.join(', ')}` : r.outcome);
    },
    rollout: async (c) => {
      const { waitForRollout } = await import('../steps/service/wait.js');
      if (!rollout) return outcomeOf('skipped', 'nothing to wait for');
      const status = await waitForRollout(c, rollout, { timeoutMs: s.waitTimeoutMs });
      return outcomeOf('read', `read: ${status.line}`);
    },
  };
  let amiId: string | undefined;
  let rollout: RolloutRef | undefined;
  return upPlan(s, ctx.state.current).map((p) => ({
    id: p.id,
    title: p.title,
    deps: p.deps,
    ...(p.after ? { after: p.after } : {}),
    run: async (update, stop) => {
      await ctx.awsReady?.(
        p.id === 'instances' && s.capacity === 'asg' ? [...SERVICES.instances, 'autoscaling'] : SERVICES[p.id],
      );
      return runners[p.id](taskContext(ctx, update, stop));
    },
  }));
}
