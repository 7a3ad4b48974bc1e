/**
 * What `--domain`, `--hosted-zone-id` and `--certificate-arn` mean together (their own checks are
 * in util/validate.ts), and the name forms Route 53 and ACM use. Kept free of SDK imports so
 * `--help` and flag parsing stay cheap.
 */
import { UsageError } from '../../errors.js';

/**
 * ACM puts the first domain name into the certificate's common name, which X.509 caps at 64
 * characters ("The first domain name you enter cannot exceed 64 octets", RequestCertificate).
 * A longer name needs a certificate brought with --certificate-arn (e.g. a wildcard of its zone).
 */
export const ACM_COMMON_NAME_MAX = 64;

export function requestableDomain(name: string): void {
  if (name.length > ACM_COMMON_NAME_MAX) {
    throw new UsageError(
      `--domain ${name} is ${name.length} characters long; ACM requests certificates for names of at most ${ACM_COMMON_NAME_MAX}`,
      { hint: 'Bring a certificate that covers it (e.g. a wildcard of its zone) with --certificate-arn.' },
    );
  }
}

/** Route 53 and ACM write names with a trailing dot and may escape characters; compare them without. */
export function sameName(a: string | undefined, b: string | undefined): boolean {
  const norm = (x: string | undefined) => (x ?? '').trim().toLowerCase().replace(/\.$/, '');
  return a !== undefined && b !== undefined && norm(a) === norm(b);
}

/** Whether `name` is `zone` or inside it (app.example.com is in example.com, not in ample.com). */
export function inZone(name: string, zone: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const z = zone.toLowerCase().replace(/\.$/, '');
  return n === z || n.endsWith(`.${z}`);
}

/** The suffixes of a name with at least two labels, longest first: app.example.com, example.com. */
export function parentDomains(name: string): string[] {
  const labels = name.split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}

/** The settings the three flags make together, checked against each other. */
export interface DomainSettings {
  readonly fqdn: string;
  readonly hostedZoneId?: string;
  readonly certificateArn?: string;
}

export function domainSettings(o: {
  domain?: string;
  hostedZoneId?: string;
  certificateArn?: string;
}): DomainSettings | undefined {
  if (!o.domain) {
    if (o.hostedZoneId || o.certificateArn)
      throw new UsageError(`${o.hostedZoneId ? '--hosted-zone-id' : '--certificate-arn'} needs --domain`);
    return undefined;
  }
  if (!o.certificateArn) requestableDomain(o.domain);
  return {
    fqdn: o.domain,
    ...(o.hostedZoneId ? { hostedZoneId: o.hostedZoneId } : {}),
    ...(o.certificateArn ? { certificateArn: o.certificateArn } : {}),
  };
}

/** The stack's address: https://<domain>/ once it has one, else the load balancer's own name. */
export function stackUrl(
  s: { domain?: { fqdn: string }; httpsListener?: unknown; loadBalancer?: { dnsName: string } },
  listenerPort = 80,
): string | undefined {
  if (s.domain && s.httpsListener) return `https://${s.domain.fqdn}/`;
  if (!s.loadBalancer) return undefined;
  return `http://${s.loadBalancer.dnsName}${listenerPort === 80 ? '' : `:${listenerPort}`}/`;
}
