/**
 * The `--domain` part of the `up` and `down` graphs, kept beside them so the two graphs only splice
 * it in. up: the certificate request and its DNS validation start in the first wave (minutes on
 * AWS, like the ALB); HTTPS waits for the load balancer's HTTP listener and the issued certificate;
 * the alias record for the load balancer. down: alias record → listeners → certificate → the
 * validation record (only if ecsctl wrote it).
 *
 *   up:    certificate ──────────────┐
 *          lbSg, listener ───────────┴─ https (ingress 80+443, HTTPS:443, :80 → 301)
 *          loadBalancer ─ alias
 *   down:  alias ─┬─ httpsListener ─┬─ certificate ─ validationRecord
 *                 └─ loadBalancer ──┘
 */
import type { ServiceName } from '../aws/clients.js';
import type { State } from '../state/schema.js';
import type { StepContext } from '../steps/context.js';
import type { DomainSettings } from '../steps/lb/domain-input.js';
import { LB_DEFAULTS } from '../settings/defaults.js';
import { outcomeOf, type TaskOutcome } from './graph.js';

/** The domain steps answer "<word>: <detail>"; the graph's outcome is the word, the detail all of it. */
const typed = (detail: string): TaskOutcome => outcomeOf(detail.split(/[:\s]/, 1)[0]!, detail);

export type UpDomainTaskId = 'certificate' | 'https' | 'alias';
export type DownDomainTaskId = 'alias' | 'httpsListener' | 'certificate' | 'validationRecord';

/** The domain `up` works with: the flags, else what the state recorded (the domain is kept like the stack name). */
export function upDomain(
  s: { domain?: string; hostedZoneId?: string; certificateArn?: string },
  state: State,
): DomainSettings | undefined {
  const fqdn = s.domain ?? state.domain?.fqdn;
  if (!fqdn) return undefined;
  const brought =
    s.certificateArn ?? (state.certificate && !state.certificate.requested ? state.certificate.arn : undefined);
  const zone = s.hostedZoneId ?? state.domain?.hostedZoneId;
  return { fqdn, ...(zone ? { hostedZoneId: zone } : {}), ...(brought ? { certificateArn: brought } : {}) };
}

export const UP_DOMAIN_SERVICES: Record<UpDomainTaskId, readonly ServiceName[]> = {
  certificate: ['acm', 'route53'],
  https: ['ec2', 'elb'],
  alias: ['elb', 'route53'],
};

export function upDomainPlan<Id extends string>(
  d: DomainSettings,
  t: (id: UpDomainTaskId, title: string, deps: (UpDomainTaskId | Id)[]) => { id: Id | UpDomainTaskId },
  deps: { listener: Id; lbSg: Id; loadBalancer: Id },
) {
  return [
    t('certificate', `certificate for ${d.fqdn} issued`, []),
    t('https', 'HTTPS:443 and the :80 redirect', ['certificate', deps.listener, deps.lbSg]),
    t('alias', `alias record ${d.fqdn}`, [deps.loadBalancer]),
  ];
}

/** Without a domain the three tasks are never planned; their runners only say so if they were. */
const unplanned = async (): Promise<TaskOutcome> => {
  throw new Error('internal: a --domain task ran without a domain');
};

export function upDomainRunners(
  d: DomainSettings | undefined,
  s: { listenerPort: number; certificateTimeoutMs: number },
): Record<UpDomainTaskId, (c: StepContext) => Promise<TaskOutcome>> {
  if (!d) return { certificate: unplanned, https: unplanned, alias: unplanned };
  // The ingress the load balancer's group admits on 80 and 443 (as the lbSg task, from the defaults).
  const o = { listenerPort: s.listenerPort, ingressCidr: LB_DEFAULTS.ingressCidr };
  return {
    certificate: async (c) =>
      typed(
        await (
          await import('../steps/lb/domain.js')
        ).ensureIssuedCertificate(c, d, {
          timeoutMs: s.certificateTimeoutMs,
        }),
      ),
    https: async (c) => typed((await (await import('../steps/lb/domain.js')).ensureHttpsFront(c, o)).outcome),
    alias: async (c) => typed(await (await import('../steps/lb/domain.js')).ensureAlias(c)),
  };
}

export function upDomainEquivalents(
  id: UpDomainTaskId,
  d: DomainSettings,
  state: State,
  listenerPort: number,
): string[] {
  const zone = d.hostedZoneId ?? state.domain?.hostedZoneId ?? '<zone-id>';
  switch (id) {
    case 'certificate':
      return d.certificateArn
        ? [`aws acm describe-certificate --certificate-arn ${d.certificateArn}   (must be ISSUED and cover ${d.fqdn})`]
        : [
            ...(d.hostedZoneId
              ? []
              : [`aws route53 list-hosted-zones-by-name --dns-name ${d.fqdn}   (and each parent)`]),
            `aws acm request-certificate --domain-name ${d.fqdn} --validation-method DNS --tags Key=ecsctl:stack,Value=${state.name}`,
            `aws route53 change-resource-record-sets --hosted-zone-id ${zone} --change-batch file://validation-cname.json   (UPSERT the CNAME ACM names)`,
            `aws acm wait certificate-validated --certificate-arn <certificate-arn>`,
          ];
    case 'https':
      return [
        `aws ec2 authorize-security-group-ingress --group-id ${state.lbSecurityGroup?.id ?? '<lb-sg-id>'} --protocol tcp --port 443 --cidr 0.0.0.0/0`,
        `aws elbv2 create-listener --load-balancer-arn <lb-arn> --protocol HTTPS --port 443 --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06 --certificates CertificateArn=<certificate-arn> --default-actions Type=forward,TargetGroupArn=<tg-arn>`,
        `aws elbv2 modify-listener --listener-arn ${state.listener?.arn ?? '<listener-arn>'} --default-actions 'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'   (:${listenerPort})`,
      ];
    case 'alias':
      return [
        `aws route53 change-resource-record-sets --hosted-zone-id ${zone} --change-batch file://alias.json   (CREATE A ${d.fqdn} alias → the ALB's DNS name and CanonicalHostedZoneId)`,
      ];
  }
}

export const DOWN_DOMAIN_SERVICES: Record<DownDomainTaskId, readonly ServiceName[]> = {
  alias: ['route53'],
  httpsListener: ['elb'],
  certificate: ['acm'],
  validationRecord: ['route53'],
};

export function downDomainPlan<Id extends string>(
  t: (id: DownDomainTaskId, title: string, deps: (DownDomainTaskId | Id)[], sections: (keyof State)[]) => unknown,
  loadBalancer: Id,
) {
  return [
    t('alias', 'alias record (if ecsctl wrote it)', [], ['aliasRecord']),
    t('httpsListener', 'HTTPS listener', ['alias'], ['httpsListener']),
    t('certificate', 'certificate (if ecsctl requested it)', ['httpsListener', loadBalancer], ['certificate']),
    t('validationRecord', 'validation record (if ecsctl wrote it)', ['certificate'], ['validationRecord']),
  ];
}

export function downDomainRunners(
  timeoutMs: number,
): Record<DownDomainTaskId, (c: StepContext) => Promise<TaskOutcome>> {
  return {
    alias: async (c) => outcomeOf(await (await import('../steps/lb/dns.js')).deleteAliasRecord(c)),
    httpsListener: async (c) => outcomeOf(await (await import('../steps/lb/https.js')).deleteHttpsListener(c)),
    certificate: async (c) =>
      outcomeOf(await (await import('../steps/lb/certificate.js')).deleteCertificate(c, { timeoutMs })),
    validationRecord: async (c) => outcomeOf(await (await import('../steps/lb/dns.js')).deleteValidationRecord(c)),
  };
}

export function downDomainEquivalents(id: DownDomainTaskId, state: State): string[] {
  switch (id) {
    case 'alias':
      return [
        `aws route53 change-resource-record-sets --hosted-zone-id ${state.aliasRecord?.hostedZoneId ?? '<zone-id>'} --change-batch file://delete-alias.json   (DELETE A ${state.aliasRecord?.name ?? '<domain>'}, exactly as read back)`,
      ];
    case 'httpsListener':
      return [`aws elbv2 delete-listener --listener-arn ${state.httpsListener?.arn ?? '<https-listener-arn>'}`];
    case 'certificate':
      return [
        `aws acm delete-certificate --certificate-arn ${state.certificate?.arn ?? '<certificate-arn>'}   (retried while ResourceInUseException)`,
      ];
    case 'validationRecord':
      return [
        `aws route53 change-resource-record-sets --hosted-zone-id ${state.validationRecord?.hostedZoneId ?? '<zone-id>'} --change-batch file://delete-validation-cname.json`,
      ];
  }
}
