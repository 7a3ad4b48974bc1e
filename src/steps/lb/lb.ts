/**
 * `lb create / show / delete`: the walkthrough's target group, load balancer and listener as one
 * converging step, in the order that gets to a serving load balancer soonest: the ALB is created
 * first (its ~2.5 minutes of provisioning are the long pole), the target group and listener are
 * made while it provisions, and only then do we wait for `active`.
 */
import { assertOwned } from '../../aws/tags.js';
import { OperationError } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';
import { deleteListener, ensureListener, type ListenerRecord } from './listener.js';
import { elbTags } from './elb-tags.js';
import {
  deleteLoadBalancer,
  ensureLoadBalancer,
  findLoadBalancer,
  loadBalancerName,
  waitForLoadBalancerActive,
  type LoadBalancerRecord,
} from './alb.js';
import { ensureNetwork, subnetsForLoadBalancer } from '../network/network.js';
import type { ConvergeOutcome } from '../outcome.js';
import { LB_DEFAULTS } from '../../settings/defaults.js';
import { waitForCertificateIssued } from './certificate.js';
import type { DomainSettings } from './domain-input.js';
import {
  assertSameDomain,
  deleteDomainBack,
  deleteDomainFront,
  ensureAlias,
  ensureHttpsFront,
  prepareDomain,
  requestCertificate,
} from './domain.js';
import { urlOf } from './probe.js';
import { deleteLbSecurityGroupIfUnused, ensureLbSecurityGroup, type GroupRecord } from '../network/security-groups.js';
import {
  deleteTargetGroup,
  ensureTargetGroup,
  findTargetGroup,
  targetGroupName,
  type TargetGroupRecord,
  type TargetGroupSettings,
} from './target-group.js';

export interface LbCreateInput extends Omit<TargetGroupSettings, 'port'> {
  readonly listenerPort: number;
  /** Default: the recorded task definition's container port, else 8080. */
  readonly containerPort?: number;
  readonly internal: boolean;
  readonly ingressCidr: string;
  readonly vpcId?: string;
  readonly subnetIds?: readonly string[];
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
  /** --domain (with --hosted-zone-id, --certificate-arn): HTTPS on 443, the HTTP port redirecting, an alias record. */
  readonly domain?: DomainSettings;
  /** Bound on the wait for ACM to issue the certificate (exit 4). */
  readonly certificateTimeoutMs?: number;
}

export interface LbCreateResult {
  readonly outcome: ConvergeOutcome;
  readonly vpcId: string;
  readonly subnets: string[];
  readonly securityGroup: GroupRecord;
  readonly targetGroup: TargetGroupRecord & { readonly outcome: ConvergeOutcome; readonly changed: string[] };
  readonly loadBalancer: LoadBalancerRecord & {
    readonly outcome: ConvergeOutcome;
    readonly changed: string[];
    readonly state?: string;
  };
  readonly listener: ListenerRecord & { readonly outcome: ConvergeOutcome; readonly changed: string[] };
  readonly url: string;
  readonly https?: {
    readonly domain: string;
    readonly certificate: string;
    readonly front: string;
    readonly alias: string;
  };
}

/**
 * Converges network → LB security group → load balancer → target group → listener, recording
 * each the moment it exists, then (unless `wait` is false) waits for the load balancer to be
 * active. A rerun creates nothing and makes no mutating call when everything matches.
 */
export async function createLb(ctx: StepContext, input: LbCreateInput): Promise<LbCreateResult> {
  if (input.domain) assertSameDomain(ctx, input.domain);
  await refuseForeign(ctx);
  // The hosted zone is found and the name checked before anything is created; the certificate is
  // requested next, so ACM validates while the load balancer is made.
  const domain = input.domain;
  const certWait = { timeoutMs: input.certificateTimeoutMs };
  const cert = domain ? (await prepareDomain(ctx, domain), await requestCertificate(ctx, domain, certWait)) : undefined;
  const network = await ensureNetwork(ctx, { vpcId: input.vpcId, subnetIds: input.subnetIds });
  const subnets = subnetsForLoadBalancer(network, { internal: input.internal }); // exit 2 with a hint when fewer than two AZs
  const sg = await ensureLbSecurityGroup(ctx, { listenerPort: input.listenerPort, ingressCidr: input.ingressCidr });
  ctx.report.info(`security group ${sg.name} (${sg.id}): tcp ${input.listenerPort} from ${input.ingressCidr}`);

  const lb = await ensureLoadBalancer(ctx, { internal: input.internal, subnetIds: subnets, securityGroupId: sg.id });
  ctx.report.info(
    `load balancer ${lb.loadBalancer.name}: ${lb.outcome}${lb.changed.length ? ` (${lb.changed.join(', ')})` : ''}, ${lb.state ?? 'state unknown'}`,
  );

  const containerPort =
    input.containerPort ?? ctx.state.current.taskDefinition?.containerPort ?? LB_DEFAULTS.containerPort;
  const tg = await ensureTargetGroup(ctx, { ...input, port: containerPort });
  ctx.report.info(
    `target group ${tg.targetGroup.name}: ${tg.outcome}${tg.changed.length ? ` (${tg.changed.join(', ')})` : ''}`,
  );

  // Created right after CreateLoadBalancer returned, not after the wait: ELBv2 accepts listeners
  // on a provisioning load balancer, so this costs nothing on the ~150 s critical path.
  const listener = await ensureListener(ctx, {
    loadBalancerArn: lb.loadBalancer.arn,
    targetGroupArn: tg.targetGroup.arn,
    port: input.listenerPort,
    // A stack already serving HTTPS keeps its redirect; the first run forwards until HTTPS exists.
    redirectToHttps: Boolean(domain && ctx.state.current.httpsListener),
  });
  ctx.report.info(`listener HTTP:${input.listenerPort} → ${tg.targetGroup.name}: ${listener.outcome}`);

  let https: LbCreateResult['https'];
  if (domain && cert) {
    if (cert.record) await waitForCertificateIssued(ctx, cert.arn, cert.record, certWait);
    const front = await ensureHttpsFront(ctx, { listenerPort: input.listenerPort, ingressCidr: input.ingressCidr });
    const alias = await ensureAlias(ctx);
    https = { domain: domain.fqdn, certificate: cert.arn, front: front.outcome, alias };
    ctx.report.info(`https://${domain.fqdn}/: ${front.outcome}; alias ${alias}`);
  }

  let state = lb.state;
  if (input.wait && state !== 'active')
    state = await waitForLoadBalancerActive(ctx, { timeoutMs: input.waitTimeoutMs });
  const outcomes = [lb.outcome, tg.outcome, listener.outcome];
  return {
    outcome: outcomes.includes('created') ? 'created' : outcomes.includes('updated') ? 'updated' : 'unchanged',
    vpcId: network.vpcId,
    subnets,
    securityGroup: sg,
    targetGroup: { ...tg.targetGroup, outcome: tg.outcome, changed: tg.changed },
    loadBalancer: { ...lb.loadBalancer, outcome: lb.outcome, changed: lb.changed, state },
    listener: { ...listener.listener, outcome: listener.outcome, changed: listener.changed },
    url: domain ? `https://${domain.fqdn}/` : urlOf(lb.loadBalancer.dnsName, input.listenerPort),
    ...(https ? { https } : {}),
  };
}

/**
 * A same-named target group or load balancer without our tag stops the command before anything
 * is created (the ensure functions would refuse it too, but only after the resources before it
 * in the order were made). One parallel round of describes.
 */
async function refuseForeign(ctx: StepContext): Promise<void> {
  const stack = stackOf(ctx);
  const s = ctx.state.current;
  const elb = ctx.aws.elb;
  const check = async (kind: string, name: string, arn: string | undefined) => {
    if (!arn) return;
    assertOwned(kind, name, await elbTags(elb, arn, `${kind} ${name}`), stack);
  };
  const [tg, lb] = await Promise.all([
    findTargetGroup(elb, s.targetGroup?.arn, targetGroupName(stack)),
    findLoadBalancer(elb, s.loadBalancer?.arn, loadBalancerName(stack)),
  ]);
  await Promise.all([
    check('target group', targetGroupName(stack), tg?.TargetGroupArn),
    check('load balancer', loadBalancerName(stack), lb?.LoadBalancerArn),
  ]);
}

export interface LbDeleteOptions {
  /** Bound for the load balancer to disappear and for its security group's DependencyViolation retries. */
  readonly timeoutMs?: number;
  /** `down` deletes the service itself and may call this while the service is still draining. */
  readonly ignoreService?: boolean;
}

export interface LbDeleteResult {
  readonly listener: 'deleted' | 'absent';
  readonly loadBalancer: 'deleted' | 'absent';
  readonly targetGroup: 'deleted' | 'absent';
  readonly securityGroup: 'deleted' | 'absent' | 'kept';
  /** Only when the stack had a domain: what became of the alias, HTTPS listener, certificate and validation record. */
  readonly domain?: { alias: string; httpsListener: string; certificate: string; validationRecord: string };
}

/**
 * Deletes the load balancer with its listeners (waiting until it is gone) → target group (retrying
 * ResourceInUse) → the LB security group when nothing else recorded uses it (retrying
 * DependencyViolation while the ALB's network interfaces linger). Every part tolerates being
 * gone already; nothing without our tag is touched. Refuses while a service is recorded.
 */
export async function deleteLb(ctx: StepContext, o: LbDeleteOptions = {}): Promise<LbDeleteResult> {
  const service = ctx.state.current.service;
  if (service && !o.ignoreService) {
    throw new OperationError(`service ${service.name} is recorded and sends its tasks to the target group`, {
      hint: 'Run `ecsctl service delete` first, or `ecsctl down` to remove the whole stack.',
    });
  }
  const front = await deleteDomainFront(ctx);
  // DeleteLoadBalancer takes its listeners with it (as in `down`); a listener recorded without its
  // load balancer is deleted on its own.
  const listenerRecorded = ctx.state.current.listener !== undefined;
  const alone = ctx.state.current.loadBalancer ? undefined : await deleteListener(ctx);
  const loadBalancer = await deleteLoadBalancer(ctx, { timeoutMs: o.timeoutMs });
  const listener = alone ?? (listenerRecorded && loadBalancer === 'deleted' ? 'deleted' : 'absent');
  const back = await deleteDomainBack(ctx, { timeoutMs: o.timeoutMs });
  const targetGroup = await deleteTargetGroup(ctx, { timeoutMs: o.timeoutMs });
  const securityGroup = await deleteLbSecurityGroupIfUnused(ctx, { timeoutMs: o.timeoutMs });
  if (securityGroup === 'kept')
    ctx.report.info("security group kept: the instances' security group still references it");
  const domain = Object.values({ ...front, ...back }).some((x) => x !== 'absent') ? { ...front, ...back } : undefined;
  return { listener, loadBalancer, targetGroup, securityGroup, ...(domain ? { domain } : {}) };
}
