/**
 * The checks `--domain`, `--hosted-zone-id` and `--certificate-arn` get before any AWS call (exit
 * 2 on failure), and the name forms Route 53 and ACM use. Kept free of SDK imports so `--help`
 * and flag parsing stay cheap.
 */
import { UsageError } from '../../errors.js';

/** RFC 1035 as Route 53 and ACM accept it: 253 characters in all, labels of 1-63 letters, digits, hyphens. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A fully qualified domain name for the alias record and the certificate: lowercased, without a
 * trailing dot. At least two labels, no wildcard (the alias record names one host), a top-level
 * label that is not all digits (so an IP address is refused).
 */
export function fqdn(value: string, flag = '--domain'): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  const bad = (why: string) =>
    new UsageError(`${flag} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)} ${why}`);
  if (name.length > 253) throw bad(`is ${name.length} characters long; a domain name has at most 253`);
  const labels = name.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw bad(
      'is not a domain name: use labels of letters, digits and inner hyphens separated by dots, e.g. app.example.com',
    );
  }
  return name;
}

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

/** arn:aws:acm:<region>:<account>:certificate/<uuid>, in the stack's region (an ALB uses certificates of its own region only). */
const CERT_ARN =
  /^arn:aws(-[a-z]+)*:acm:([a-z]{2}(-[a-z]+)+-\d{1,2}):(\d{12}):certificate\/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$/;

export function certificateArn(value: string, flag = '--certificate-arn', region?: string): string {
  const m = CERT_ARN.exec(value.trim());
  if (!m) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
    );
  }
  if (region && m[2] !== region) {
    throw new UsageError(
      `${flag} is a certificate of ${m[2]}; a load balancer in ${region} can only use one of ${region}`,
    );
  }
  return value.trim();
}

/** A Route 53 hosted zone ID ("Z0123456789ABCDEFGHIJ", also accepted as "/hostedzone/Z…"): up to 32 capitals and digits. */
export function hostedZoneId(value: string, flag = '--hosted-zone-id'): string {
  const id = value.trim().replace(/^\/hostedzone\//, '');
  if (!/^[A-Z0-9]{1,32}$/.test(id)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a Route 53 hosted zone ID (capital letters and digits, e.g. Z0123456789ABCDEFGHIJ)`,
    );
  }
  return id;
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
