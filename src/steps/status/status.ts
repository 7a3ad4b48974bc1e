/**
 * `ecsctl status`: every recorded resource as AWS sees it now, read in parallel, with drift
 * (recorded but gone) called out. Read-only; reuses the step modules' finders.
 */
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { stackUrl } from '../lb/domain-input.js';
import { asOperationError, isAwsError } from '../../aws/errors.js';
import type { State } from '../../state/schema.js';
import type { StepContext } from '../context.js';

export interface ResourceStatus {
  readonly kind: string;
  readonly id: string;
  /** "ACTIVE", "2/2 running", "active", "2 healthy", "missing", … */
  readonly status: string;
  /** Recorded in the state, but AWS no longer has it. */
  readonly drift: boolean;
  /** The same as fields, for --json readers: AWS's own state word ("ACTIVE", "active", "running"). */
  readonly state?: string;
  /** Counts behind the text: running/desired/pending tasks, running/total instances, container instances. */
  readonly counts?: Readonly<Record<string, number>>;
  /** Target health: number of targets per state ("healthy", "unhealthy", "initial", …). */
  readonly health?: Readonly<Record<string, number>>;
  /** The service's deployment rollout state (IN_PROGRESS, COMPLETED, FAILED). */
  readonly rollout?: string;
}

export interface StackStatus {
  readonly stack: string;
  readonly region: string;
  readonly url?: string;
  readonly resources: ResourceStatus[];
  readonly drift: number;
}

type Check = (ctx: StepContext, s: State) => Promise<ResourceStatus | ResourceStatus[] | undefined>;

/** "Not found" becomes `value`; any other failure (throttling, access denied) is an error, not drift. */
const missingAs =
  <T>(value: T, ...names: string[]) =>
  (e: unknown): T => {
    if (isAwsError(e, ...names)) return value;
    throw asOperationError("read the stack's status", e);
  };

const gone = (kind: string, id: string): ResourceStatus => ({ kind, id, status: 'missing', drift: true });
const ok = (kind: string, id: string, status: string): ResourceStatus => ({ kind, id, status, drift: false });

const checks: Check[] = [
  async (ctx, s) => {
    if (!s.repository) return undefined;
    const { findRepository } = await import('../repo/repository.js');
    return (await findRepository(ctx.aws.ecr, s.repository.name))
      ? ok('repository', s.repository.uri, 'exists')
      : gone('repository', s.repository.uri);
  },
  async (_ctx, s) =>
    s.image
      ? ok('image', s.image.uri, s.image.digest ? `pushed ${s.image.digest.slice(0, 19)}…` : 'given with --image')
      : undefined,
  async (ctx, s) => {
    if (!s.cluster) return undefined;
    const { findActiveCluster } = await import('../cluster/cluster.js');
    const c = await findActiveCluster(ctx.aws.ecs, s.cluster.name);
    return c
      ? {
          ...ok(
            'cluster',
            s.cluster.arn,
            `${c.status}, ${c.registeredContainerInstancesCount ?? 0} container instance(s)`,
          ),
          ...(c.status ? { state: c.status } : {}),
          counts: { containerInstances: c.registeredContainerInstancesCount ?? 0 },
        }
      : gone('cluster', s.cluster.arn);
  },
  async (ctx, s) => {
    const groups = [s.lbSecurityGroup, s.instanceSecurityGroup].filter((g) => g !== undefined);
    if (groups.length === 0) return undefined;
    const found = new Set<string>();
    for (const g of groups) {
      const out = await ctx.aws.ec2
        .send(new DescribeSecurityGroupsCommand({ GroupIds: [g.id] }))
        .catch(missingAs(undefined, 'InvalidGroup.NotFound', 'InvalidGroupId.NotFound'));
      if (out?.SecurityGroups?.length) found.add(g.id);
    }
    const missing = groups.filter((g) => !found.has(g.id));
    return {
      kind: 'security groups',
      id: groups.map((g) => `${g.name} ${g.id}`).join(', '),
      status: missing.length ? `missing: ${missing.map((g) => g.name).join(', ')}` : 'exist',
      drift: missing.length > 0,
    };
  },
  async (ctx, s) => {
    if (!s.instanceRole) return undefined;
    const { findRole, findInstanceProfile } = await import('../instances/iam.js');
    const [role, profile] = await Promise.all([
      findRole(ctx.aws.iam, s.instanceRole.roleName),
      findInstanceProfile(ctx.aws.iam, s.instanceRole.profileName),
    ]);
    return role && profile
      ? ok('instance role', s.instanceRole.profileName, 'exists')
      : gone('instance role', s.instanceRole.profileName);
  },
  async (ctx, s) => {
    if (!s.instances || s.instances.ids.length === 0) return undefined;
    const { instancesById } = await import('../instances/launch.js');
    const live = await instancesById(ctx.aws.ec2, s.instances.ids);
    const running = live.filter((i) => i.State?.Name === 'running').length;
    const n = s.instances.ids.length;
    return {
      kind: 'instances',
      id: s.instances.ids.join(', '),
      status: `${running}/${n} running`,
      drift: running < n,
      counts: { running, total: n },
    };
  },
  async (ctx, s) => {
    if (s.capacity?.mode !== 'asg') return undefined;
    const { showCapacity } = await import('../capacity/stack.js');
    const view = (await showCapacity(ctx))!;
    const g = view.autoScalingGroup!;
    const p = view.capacityProvider!;
    return [
      g.exists
        ? {
            kind: 'auto scaling group',
            id: g.name,
            status: `desired ${g.desired}, ${g.inService} in service (min ${g.min}, max ${g.max})`,
            drift: (g.inService ?? 0) < (g.min ?? 0),
            counts: { desired: g.desired ?? 0, inService: g.inService ?? 0, min: g.min ?? 0, max: g.max ?? 0 },
          }
        : gone('auto scaling group', g.name),
      p.exists
        ? {
            ...ok(
              'capacity provider',
              p.name,
              `${p.updateStatus ?? p.status}, target ${p.targetCapacity}%, termination protection ${p.managedTerminationProtection}`,
            ),
            ...((p.updateStatus ?? p.status) ? { state: p.updateStatus ?? p.status } : {}),
          }
        : gone('capacity provider', p.name),
    ];
  },
  async (ctx, s) => {
    if (!s.logGroup) return undefined;
    const { findLogGroup } = await import('../logs/log-group.js');
    return (await findLogGroup(ctx.aws.logs, s.logGroup.name))
      ? ok('log group', s.logGroup.name, 'exists')
      : gone('log group', s.logGroup.name);
  },
  async (ctx, s) => {
    if (!s.taskDefinition) return undefined;
    const td = await ctx.aws.ecs
      .send(new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition.arn }))
      .catch(missingAs(undefined, 'ClientException'));
    const status = td?.taskDefinition?.status;
    return status
      ? { kind: 'task definition', id: s.taskDefinition.arn, status, drift: status !== 'ACTIVE', state: status }
      : gone('task definition', s.taskDefinition.arn);
  },
  async (ctx, s) => {
    if (!s.loadBalancer && !s.targetGroup && !s.listener) return undefined;
    const { showLb } = await import('../lb/show.js');
    const view = await showLb(ctx);
    const parts: ResourceStatus[] = [];
    if (view.loadBalancer)
      parts.push(
        view.loadBalancer.exists
          ? {
              ...ok('load balancer', view.loadBalancer.arn, view.loadBalancer.state ?? 'unknown'),
              ...(view.loadBalancer.state ? { state: view.loadBalancer.state } : {}),
            }
          : gone('load balancer', view.loadBalancer.arn),
      );
    if (view.listener)
      parts.push(
        view.listener.exists
          ? ok('listener', view.listener.arn, `HTTP:${view.listener.port}`)
          : gone('listener', view.listener.arn),
      );
    if (view.targetGroup) {
      const t = view.targetGroup.targets ?? {};
      const summary =
        Object.entries(t)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'no targets';
      parts.push(
        view.targetGroup.exists
          ? { ...ok('target group', view.targetGroup.arn, summary), health: { ...t } }
          : gone('target group', view.targetGroup.arn),
      );
    }
    return parts;
  },
  async (ctx, s) => {
    if (!s.service || !s.cluster) return undefined;
    const { findService } = await import('../service/config.js');
    const found = await findService(ctx.aws.ecs, s.cluster.name, s.service.name);
    const svc = found?.service;
    if (!svc || svc.status === 'INACTIVE') return gone('service', s.service.arn);
    const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
    return {
      ...ok(
        'service',
        s.service.arn,
        `${svc.status}, ${svc.runningCount ?? 0}/${svc.desiredCount ?? 0} running, rollout ${primary?.rolloutState ?? 'unknown'}`,
      ),
      ...(svc.status ? { state: svc.status } : {}),
      counts: { running: svc.runningCount ?? 0, desired: svc.desiredCount ?? 0, pending: svc.pendingCount ?? 0 },
      ...(primary?.rolloutState ? { rollout: primary.rolloutState } : {}),
    };
  },
];

export async function stackStatus(ctx: StepContext): Promise<StackStatus> {
  const s = ctx.state.current;
  const results = await Promise.all(checks.map((check) => check(ctx, s)));
  const resources = results.flatMap((r) => (r === undefined ? [] : r));
  const url = stackUrl(s, s.listener?.port);
  return {
    stack: s.name,
    region: s.region,
    ...(url ? { url } : {}),
    resources,
    drift: resources.filter((r) => r.drift).length,
  };
}

export function renderStatus(st: StackStatus): string {
  if (st.resources.length === 0) return `stack ${st.stack} (${st.region}): nothing recorded`;
  const width = Math.max(...st.resources.map((r) => r.kind.length));
  const statusWidth = Math.max(...st.resources.map((r) => r.status.length));
  const lines = [`stack ${st.stack} (${st.region})`];
  for (const r of st.resources)
    lines.push(`  ${r.drift ? '!' : '✓'} ${r.kind.padEnd(width)}  ${r.status.padEnd(statusWidth)}  ${r.id}`);
  if (st.url) lines.push(`  url: ${st.url}`);
  if (st.drift > 0)
    lines.push(`  ${st.drift} resource(s) recorded but missing or degraded: run \`ecsctl up\` to converge`);
  return lines.join('\n');
}
