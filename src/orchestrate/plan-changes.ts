/**
 * `up --dry-run` on a stack that exists: for each step, what `up` would change, field by field,
 * read from AWS with describe calls only (a plan never sends a mutating call). The wanted side
 * comes from the same builders `up` runs (up-inputs.ts, `desiredTaskDefinition`), and each
 * comparison is the pure function the ensure step itself decides with (`taskDefinitionChanges`,
 * `serviceUpdate`, `healthCheckChanges`, `listenerChanges`, `fleetChanges`, `groupChanges`,
 * `providerChanges`), so the plan and the run cannot disagree.
 */
import { fieldChange, type FieldChange } from '../steps/changes.js';
import type { StepContext } from '../steps/context.js';
import type { State } from '../state/schema.js';
import type { UpTaskId } from './up.js';
import type { UpSettings } from './settings.js';
import { HTTPS_PORT } from '../steps/lb/redirect.js';
import type { DomainSettings } from '../steps/lb/domain-input.js';
import {
  groupBounds,
  listenerSettings,
  serviceUpdateInput,
  targetGroupSettings,
  taskDefinitionOptions,
} from './up-inputs.js';

/** One differing field; `applies: false` marks a difference `up` leaves as it is (see `note`). */
export interface PlannedChange extends FieldChange {
  readonly applies: boolean;
  readonly note?: string;
}

/** create: nothing there yet; update: up changes it; differs: only differences up leaves alone. */
export type PlannedAction = 'create' | 'update' | 'unchanged' | 'differs';

export interface StepDiff {
  readonly id: UpTaskId;
  readonly title: string;
  readonly action: PlannedAction;
  readonly changes: readonly PlannedChange[];
}

const applied = (changes: readonly FieldChange[]): PlannedChange[] => changes.map((c) => ({ ...c, applies: true }));
const leftAlone = (changes: readonly FieldChange[], note: string): PlannedChange[] =>
  changes.map((c) => ({ ...c, applies: false, note }));

function step(id: UpTaskId, title: string, changes: readonly PlannedChange[]): StepDiff {
  const action = changes.some((c) => c.applies) ? 'update' : changes.length > 0 ? 'differs' : 'unchanged';
  return { id, title, action, changes };
}
const create = (id: UpTaskId, title: string): StepDiff => ({ id, title, action: 'create', changes: [] });

/** The same step context, seeing `patch` applied to the state (what `up` would have recorded by then). Never written. */
function seeing(ctx: StepContext, patch: Partial<State>): StepContext {
  const current = { ...ctx.state.current, ...patch };
  return { ...ctx, state: { ...ctx.state, current } };
}

/** The task definition: what registering would change against the latest ACTIVE revision; and which revision the service would run. */
async function planTaskDefinition(
  ctx: StepContext,
  s: UpSettings,
  image: string,
): Promise<{ diff: StepDiff; arn?: string; container: { containerName: string; containerPort: number } }> {
  const { desiredTaskDefinition, withSecrets } = await import('../steps/taskdef/ensure.js');
  const { describeLatest } = await import('../steps/taskdef/taskdef.js');
  const { taskDefinitionChanges } = await import('../steps/taskdef/diff.js');
  const { executionRoleName, secretEntries } = await import('../steps/taskdef/execution-role.js');
  const { accountFromState, partitionOf } = await import('../steps/taskdef/secrets.js');
  const state = ctx.state.current;
  const desired = desiredTaskDefinition(state, taskDefinitionOptions(s, image));
  let td = desired.taskDefinition;
  if (s.secret.length > 0) {
    // As ensureExecutionRole makes them; before any ARN is known, the references as given.
    const account = accountFromState(state);
    const secrets = account
      ? secretEntries(s.secret, { region: state.region, account, partition: partitionOf(state.region) })
      : s.secret.map(([name, ref]) => ({ name, valueFrom: ref }));
    const roleArn = state.executionRole?.arn ?? `${executionRoleName(state.name)} (to be created)`;
    td = withSecrets(td, { roleArn, secrets });
  }
  const logChanges = await planLogGroup(ctx, desired.logGroup, s.logRetentionDays);
  const first = td.containerDefinitions![0]!;
  const container = { containerName: first.name!, containerPort: first.portMappings![0]!.containerPort! };
  const family = td.family!;
  const latest = await describeLatest(ctx.aws.ecs, family);
  if (!latest) return { diff: create('taskdef', `task definition ${family}: register revision 1`), container };
  const live = latest.taskDefinition;
  const changes = [...logChanges, ...taskDefinitionChanges(td, live)];
  if (!taskDefinitionChanges(td, live).length)
    return {
      diff: step('taskdef', `task definition ${family}:${live.revision}`, applied(logChanges)),
      arn: live.taskDefinitionArn,
      container,
    };
  const next = live.taskDefinitionArn!.replace(/:\d+$/, `:${live.revision! + 1}`);
  return {
    diff: step(
      'taskdef',
      `task definition ${family}:${live.revision} → new revision ${family}:${live.revision! + 1}`,
      applied(changes),
    ),
    arn: next,
    container,
  };
}

/** The awslogs group ensureLogGroup would create, or whose retention it would set (only a group of ours). */
async function planLogGroup(ctx: StepContext, name: string | undefined, retentionDays: number): Promise<FieldChange[]> {
  if (name === undefined) return [];
  const { findLogGroup, logGroupTags } = await import('../steps/logs/log-group.js');
  const { hasStackTag } = await import('../aws/tags.js');
  const found = await findLogGroup(ctx.aws.logs, name);
  if (!found) return fieldChange('log group', undefined, `${name} (${retentionDays} days)`);
  if (!hasStackTag(await logGroupTags(ctx.aws.logs, found), ctx.state.current.name)) return [];
  return fieldChange('log retention days', found.retentionInDays, retentionDays);
}

/** Service auto scaling, only when asked for (`up` leaves a recorded one as it is without the flags). */
async function planAutoScaling(ctx: StepContext, s: UpSettings): Promise<StepDiff[]> {
  const state = ctx.state.current;
  if (!s.autoScaling) return [];
  const title = `auto scaling ${s.autoScaling.min}–${s.autoScaling.max} tasks`;
  if (!state.cluster || !state.service) return [create('autoScaling', title)];
  const { autoScalingChanges, scalableResourceId, wantedPolicies } =
    await import('../steps/service/autoscaling-policy.js');
  const { findAutoScaling } = await import('../steps/service/autoscaling.js');
  const resourceId = scalableResourceId(state.cluster.name, state.service.name);
  const found = await findAutoScaling(ctx, resourceId);
  const wanted = wantedPolicies(state, state.service.name, resourceId, s.autoScaling);
  return [step('autoScaling', title, applied(autoScalingChanges(found, s.autoScaling, wanted, state.service.name)))];
}

async function planService(
  ctx: StepContext,
  s: UpSettings,
  td: { arn?: string; container: { containerName: string; containerPort: number } },
): Promise<StepDiff> {
  const state = ctx.state.current;
  if (!state.service || !state.cluster || !td.arn)
    return create('service', `service ${state.service?.name ?? state.name}`);
  const { findService, isLive } = await import('../steps/service/config.js');
  const { serviceUpdate, serviceWanted } = await import('../steps/service/update.js');
  const found = await findService(ctx.aws.ecs, state.cluster.name, state.service.name);
  if (!found || !isLive(found.service)) return create('service', `service ${state.service.name}`);
  const input = serviceUpdateInput(s, state, td.arn);
  // The revision is the one the task definition step would leave recorded (maybe not registered yet).
  const after = seeing(ctx, { taskDefinition: state.taskDefinition && { ...state.taskDefinition, ...td.container } });
  const wanted = await serviceWanted(after, found.service, { ...input, taskDefinition: undefined });
  const { changes } = serviceUpdate(found.service, { ...wanted, taskDefinitionArn: td.arn });
  return step('service', `service ${state.service.name}`, applied(changes));
}

async function planTargetGroup(ctx: StepContext, s: UpSettings): Promise<StepDiff> {
  const { deregistrationDelay, DEREGISTRATION_DELAY, findTargetGroup, healthCheckChanges, targetGroupName } =
    await import('../steps/lb/target-group.js');
  const state = ctx.state.current;
  const name = targetGroupName(state.name);
  const tg = await findTargetGroup(ctx.aws.elb, state.targetGroup?.arn, name);
  if (!tg) return create('targetGroup', `target group ${name}`);
  const wanted = targetGroupSettings(s);
  const delay = await deregistrationDelay(ctx.aws.elb, tg.TargetGroupArn!, name);
  return step('targetGroup', `target group ${name}`, [
    ...applied(healthCheckChanges(tg, wanted)),
    ...applied(fieldChange(DEREGISTRATION_DELAY, delay, wanted.deregistrationDelaySeconds)),
    ...leftAlone(
      fieldChange('port', tg.Port, wanted.port),
      'cannot change in place: up stops with an error; `ecsctl lb delete --yes` first, or pass the old --container-port',
    ),
  ]);
}

async function planListener(ctx: StepContext, s: UpSettings, hasDomain: boolean): Promise<StepDiff> {
  const state = ctx.state.current;
  const title = `listener HTTP:${s.listenerPort}`;
  if (!state.loadBalancer || !state.targetGroup) return create('listener', title);
  const { describeListeners, listenerChanges } = await import('../steps/lb/listener.js');
  const listeners = await describeListeners(ctx.aws.elb, state.loadBalancer.arn);
  const found = listeners.find((l) => l.Port === s.listenerPort);
  if (!found) {
    const recorded = listeners.find((l) => l.ListenerArn === state.listener?.arn);
    return recorded
      ? step('listener', title, applied(fieldChange('listener port', recorded.Port, s.listenerPort)))
      : create('listener', title);
  }
  return step('listener', title, applied(listenerChanges(found, listenerSettings(s, state, hasDomain))));
}

/**
 * --domain: the certificate the HTTPS listener would serve (the one brought with --certificate-arn,
 * else the stack's own, requested when missing), and what ensureHttpsFront would change: the
 * HTTPS:443 listener (certificate, TLS policy, target) and, the first time, the HTTP redirect.
 */
async function planHttps(ctx: StepContext, s: UpSettings, d: DomainSettings): Promise<StepDiff[]> {
  const state = ctx.state.current;
  const { assertSameDomain } = await import('../steps/lb/domain.js');
  assertSameDomain(ctx, d); // as up: another domain on this stack is exit 2
  const certificate = d.certificateArn ?? state.certificate?.arn;
  const certificateStep = !certificate
    ? create('certificate', `certificate for ${d.fqdn}`)
    : step(
        'certificate',
        `certificate for ${d.fqdn}`,
        applied(fieldChange('certificate', state.certificate?.arn, certificate)),
      );
  const title = `HTTPS:${HTTPS_PORT} and the :${s.listenerPort} redirect`;
  if (!state.loadBalancer || !state.targetGroup) return [certificateStep, create('https', title)];
  const { describeListeners, listenerChanges } = await import('../steps/lb/listener.js');
  const { httpsListenerChanges } = await import('../steps/lb/https.js');
  const listeners = await describeListeners(ctx.aws.elb, state.loadBalancer.arn);
  const https = listeners.find((l) => l.Port === HTTPS_PORT);
  if (!https) return [certificateStep, create('https', title)];
  const wanted = { targetGroupArn: state.targetGroup.arn, certificateArn: certificate ?? '(to be requested)' };
  const http = listeners.find((l) => l.Port === s.listenerPort);
  // Once HTTPS is recorded the listener step already compares the redirect; before, this step makes it.
  const redirect =
    http && !state.httpsListener
      ? listenerChanges(http, { ...listenerSettings(s, state, true), redirectToHttps: true })
      : [];
  return [certificateStep, step('https', title, applied([...httpsListenerChanges(https, wanted), ...redirect]))];
}

async function planInstances(ctx: StepContext, s: UpSettings): Promise<StepDiff> {
  const state = ctx.state.current;
  if (s.capacity === 'asg') return planCapacity(ctx, s);
  const { fleetChanges, findStackInstances, LIVE_STATES } = await import('../steps/instances/launch.js');
  const live = await findStackInstances(ctx.aws.ec2, state.name, LIVE_STATES);
  if (live.length === 0) return create('instances', `${s.instanceCount} × ${s.instanceType} container instances`);
  const fleet = fleetChanges(live, { count: s.instanceCount, instanceType: s.instanceType });
  return step('instances', 'container instances', [
    ...applied(fleet.changes),
    ...leftAlone(
      fleet.leftAlone,
      'up neither terminates nor replaces running instances: `ecsctl instances delete --yes`, then `ecsctl up`',
    ),
  ]);
}

async function planCapacity(ctx: StepContext, s: UpSettings): Promise<StepDiff> {
  const state = ctx.state.current;
  const { findAutoScalingGroup, groupChanges, groupName } = await import('../steps/capacity/autoscaling-group.js');
  const { findCapacityProvider, providerChanges, providerName } = await import('../steps/capacity/provider.js');
  const group = await findAutoScalingGroup(ctx.aws.autoscaling, groupName(state.name));
  if (!group) return create('instances', `Auto Scaling group ${groupName(state.name)} and capacity provider`);
  const provider = await findCapacityProvider(ctx.aws.ecs, providerName(state.name));
  const template = state.capacity?.launchTemplate;
  const { templateVersionData } = await import('../steps/capacity/launch-template.js');
  const launches = template ? await templateVersionData(ctx.aws.ec2, template) : undefined;
  return step('instances', `Auto Scaling group ${group.AutoScalingGroupName}`, [
    ...applied(groupChanges(group, groupBounds(s)).changes),
    ...(provider
      ? applied(providerChanges(provider, s))
      : applied(fieldChange('capacity provider', 'none', providerName(state.name)))),
    ...leftAlone(
      fieldChange('instance type', launches?.InstanceType, s.instanceType),
      'up never changes the template of a running group: `ecsctl instances refresh --type …`',
    ),
  ]);
}

/** What each step of `up` would change on this stack, in `up`'s order. Describe calls only. */
export async function planChanges(ctx: StepContext, s: UpSettings, image: string): Promise<StepDiff[]> {
  const state = ctx.state.current;
  const recorded = (id: UpTaskId, title: string, present: unknown): StepDiff[] => (present ? [] : [create(id, title)]);
  const td = await planTaskDefinition(ctx, s, image);
  const { upDomain } = await import('./domain-tasks.js');
  const domain = upDomain(s, state);
  const [targetGroup, listener, instances, service, autoScaling, https] = await Promise.all([
    planTargetGroup(ctx, s),
    planListener(ctx, s, domain !== undefined),
    planInstances(ctx, s),
    planService(ctx, s, td),
    planAutoScaling(ctx, s),
    domain ? planHttps(ctx, s, domain) : Promise.resolve([]),
  ]);
  return [
    ...recorded('repo', 'ECR repository', state.repository),
    ...recorded('cluster', 'ECS cluster', state.cluster),
    ...recorded('iam', 'instance role and profile', state.instanceRole),
    ...recorded('lbSg', 'load balancer security group', state.lbSecurityGroup),
    ...recorded('instanceSg', 'instance security group', state.instanceSecurityGroup),
    ...recorded('loadBalancer', 'application load balancer', state.loadBalancer),
    targetGroup,
    listener,
    ...https,
    ...(domain ? recorded('alias', `alias record ${domain.fqdn}`, state.aliasRecord) : []),
    instances,
    td.diff,
    service,
    ...autoScaling,
  ];
}
