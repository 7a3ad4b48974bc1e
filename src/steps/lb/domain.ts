/**
 * `--domain` as steps `lb create` and `up` share: find the hosted zone (and refuse a name taken by
 * someone else's record) before anything is created; get the certificate issued (request, write
 * ACM's validation CNAME, wait); put HTTPS in front (ingress 80 + 443, the HTTPS listener, the HTTP
 * listener's redirect); point the name at the load balancer. And the reverse, for teardown.
 */
import type { ResourceRecord } from '@aws-sdk/client-acm';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError } from '../../aws/errors.js';
import { OperationError, UsageError } from '../../errors.js';
import { stackOf, type StepContext } from '../context.js';
import {
  deleteCertificate,
  ensureCertificate,
  useCertificate,
  validationRecordOf,
  waitForCertificateIssued,
  type CertificateWaitOptions,
} from './certificate.js';
import type { DomainSettings } from './domain-input.js';
import {
  aliasConflict,
  conflictsAt,
  deleteAliasRecord,
  deleteValidationRecord,
  ensureAliasRecord,
  ensureValidationRecord,
  findHostedZone,
  findRecords,
} from './dns.js';
import { deleteHttpsListener, ensureHttpsListener, ensureLbIngressExactly } from './https.js';
import { ensureListener } from './listener.js';
import { HTTPS_PORT } from './redirect.js';
import type { ConvergeOutcome } from '../outcome.js';

/** The domain cannot change on a stack that has one (a new certificate and alias would be needed): exit 2, before any call. */
export function assertSameDomain(ctx: StepContext, d: DomainSettings): void {
  const recorded = ctx.state.current.domain;
  if (recorded && recorded.fqdn !== d.fqdn) {
    throw new UsageError(
      `stack ${stackOf(ctx)} already serves ${recorded.fqdn}; --domain ${d.fqdn} cannot replace it in place`,
      {
        hint: 'Run `ecsctl lb delete --yes` first, then create the load balancer with the new --domain.',
      },
    );
  }
  if (recorded && d.hostedZoneId && d.hostedZoneId !== recorded.hostedZoneId)
    throw new UsageError(
      `stack ${stackOf(ctx)} uses hosted zone ${recorded.hostedZoneId} for ${d.fqdn}, not ${d.hostedZoneId}`,
    );
}

/**
 * Before anything is created: the domain may not change on a stack that has one; the hosted zone
 * is found (exit 2 when none or several) and recorded; a record at the name that does not alias
 * this stack's load balancer stops the command (exit 1), untouched.
 */
export async function prepareDomain(
  ctx: StepContext,
  d: DomainSettings,
): Promise<{ hostedZoneId: string; zoneName: string }> {
  assertSameDomain(ctx, d);
  const recorded = ctx.state.current.domain;
  const zone = recorded
    ? { id: recorded.hostedZoneId, name: recorded.zoneName }
    : await findHostedZone(ctx.aws.route53, d.fqdn, d.hostedZoneId);
  const lb = ctx.state.current.loadBalancer;
  const conflicts = conflictsAt(await findRecords(ctx.aws.route53, zone.id, d.fqdn), { dnsName: lb?.dnsName ?? '' });
  if (conflicts.length > 0) throw aliasConflict(d.fqdn, zone.id, conflicts);
  if (!recorded) await ctx.state.record({ domain: { fqdn: d.fqdn, hostedZoneId: zone.id, zoneName: zone.name } });
  return { hostedZoneId: zone.id, zoneName: zone.name };
}

/**
 * The certificate, requested and on its way: the one brought with --certificate-arn (checked
 * ISSUED), or this stack's own, requested when missing, with its validation CNAME written into the
 * recorded zone. ACM validates in the background from here; `ensureIssuedCertificate` waits.
 */
export async function requestCertificate(
  ctx: StepContext,
  d: DomainSettings,
  o: CertificateWaitOptions = {},
): Promise<{ outcome: ConvergeOutcome; arn: string; record?: ResourceRecord; brought: boolean }> {
  if (d.certificateArn) {
    await useCertificate(ctx, d.certificateArn, d.fqdn);
    return { outcome: 'unchanged', arn: d.certificateArn, brought: true };
  }
  const zone = ctx.state.current.domain;
  if (!zone) throw new OperationError('internal: the hosted zone is found before the certificate is requested');
  const cert = await ensureCertificate(ctx, d.fqdn);
  if (cert.status === 'ISSUED') return { outcome: cert.outcome, arn: cert.arn, brought: false };
  const record = await validationRecordOf(ctx, cert.arn, o);
  const cname = await ensureValidationRecord(ctx, {
    hostedZoneId: zone.hostedZoneId,
    name: record.Name!,
    value: record.Value!,
  });
  const outcome = cert.outcome === 'created' || cname === 'created' ? 'created' : 'unchanged';
  return { outcome, arn: cert.arn, record, brought: false };
}

/** `requestCertificate`, then the honest wait until ACM says ISSUED. */
export async function ensureIssuedCertificate(
  ctx: StepContext,
  d: DomainSettings,
  o: CertificateWaitOptions = {},
): Promise<string> {
  const r = await requestCertificate(ctx, d, o);
  if (r.brought) return 'unchanged: brought with --certificate-arn, ISSUED';
  if (r.record) await waitForCertificateIssued(ctx, r.arn, r.record, o);
  return `${r.outcome}: ISSUED`;
}

/**
 * HTTPS in front of the target group, in the order that never leaves the name unserved: the
 * security group admits the HTTP port and 443, the HTTPS listener exists, and only then does the
 * HTTP listener turn into a redirect (ModifyListener on the same listener).
 */
export async function ensureHttpsFront(
  ctx: StepContext,
  o: { listenerPort: number; ingressCidr: string },
): Promise<{ outcome: string; httpsListenerArn: string }> {
  const s = ctx.state.current;
  if (!s.loadBalancer || !s.targetGroup || !s.certificate || !s.listener)
    throw new OperationError(
      'internal: HTTPS needs the load balancer, target group, certificate and HTTP listener first',
    );
  const ingress = await ensureLbIngressExactly(ctx, { ports: [o.listenerPort, HTTPS_PORT], cidr: o.ingressCidr });
  const https = await ensureHttpsListener(ctx, {
    loadBalancerArn: s.loadBalancer.arn,
    targetGroupArn: s.targetGroup.arn,
    certificateArn: s.certificate.arn,
  });
  const redirect = await ensureListener(ctx, {
    loadBalancerArn: s.loadBalancer.arn,
    targetGroupArn: s.targetGroup.arn,
    port: o.listenerPort,
    redirectToHttps: true,
  });
  const changes = [
    ...(ingress.authorized.length ? [`ingress ${ingress.authorized.join(', ')} opened`] : []),
    ...(ingress.revoked ? [`${ingress.revoked} other ingress rule(s) revoked`] : []),
    ...(https.outcome !== 'unchanged' ? [`HTTPS:${HTTPS_PORT} ${https.outcome}`] : []),
    ...(redirect.outcome !== 'unchanged' ? [`HTTP:${o.listenerPort} redirects to HTTPS`] : []),
  ];
  return { outcome: changes.length ? `updated: ${changes.join(', ')}` : 'unchanged', httpsListenerArn: https.arn };
}

/** The alias A record <fqdn> → the recorded load balancer (its canonical hosted zone read from ELB). */
export async function ensureAlias(ctx: StepContext): Promise<string> {
  const s = ctx.state.current;
  if (!s.domain || !s.loadBalancer)
    throw new OperationError('internal: the alias needs the domain and the load balancer');
  let lb;
  try {
    lb = (await ctx.aws.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [s.loadBalancer.arn] })))
      .LoadBalancers?.[0];
  } catch (e) {
    throw asOperationError(`describe load balancer ${s.loadBalancer.name}`, e);
  }
  if (!lb?.CanonicalHostedZoneId || !lb.DNSName)
    throw new OperationError(`load balancer ${s.loadBalancer.name} has no DNS name or canonical hosted zone yet`);
  const outcome = await ensureAliasRecord(ctx, {
    hostedZoneId: s.domain.hostedZoneId,
    fqdn: s.domain.fqdn,
    target: { dnsName: lb.DNSName, canonicalHostedZoneId: lb.CanonicalHostedZoneId },
  });
  return `${outcome}: ${s.domain.fqdn} → ${lb.DNSName}`;
}

/** Teardown, first half (before the load balancer goes): the alias record, then the HTTPS listener. */
export async function deleteDomainFront(ctx: StepContext): Promise<{ alias: string; httpsListener: string }> {
  const alias = await deleteAliasRecord(ctx);
  const httpsListener = await deleteHttpsListener(ctx);
  return { alias, httpsListener };
}

/**
 * Teardown, second half (once no listener holds the certificate): the certificate ecsctl
 * requested, then the validation CNAME if ecsctl wrote it; the hosted zone is only forgotten.
 */
export async function deleteDomainBack(
  ctx: StepContext,
  o: CertificateWaitOptions = {},
): Promise<{ certificate: string; validationRecord: string }> {
  const certificate = await deleteCertificate(ctx, o);
  const validationRecord = await deleteValidationRecord(ctx);
  if (ctx.state.current.domain) await ctx.state.record({ domain: undefined });
  return { certificate, validationRecord };
}
