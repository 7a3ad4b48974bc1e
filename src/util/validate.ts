/**
 * Input checks shared by every command. Each returns the parsed value or throws a UsageError
 * whose message names the flag and the rule, so the CLI can print one line and exit 2
 * before any AWS call.
 */
import ms from 'ms';
import { UsageError } from '../errors.js';
import { refusedDerivedName } from './names.js';

/** ECR, ECS, IAM, EC2 group names and — with `-lb`/`-tg` — the 32-character ELB limit all accept this. */
export const STACK_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function stackName(value: string, flag = '--name'): string {
  if (value.length < 2 || value.length > 28 || !STACK_NAME.test(value)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a valid stack name: use 2-28 characters, lowercase letters, digits and single hyphens, starting with a letter`,
    );
  }
  // Every name derived from it must pass its own service's rules too (src/util/names.ts).
  const refused = refusedDerivedName(value);
  if (refused) throw new UsageError(`${flag} ${JSON.stringify(value)} cannot be used: ${refused}`);
  return value;
}

/** A whole number in [min, max]. Rejects "1e9", "1.5", "", "0x10" and anything beyond max. */
export function integer(value: string, flag: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function port(value: string, flag: string): number {
  return integer(value, flag, 1, 65535);
}

/** "90s", "15m", "1h" or a plain number of seconds; returns milliseconds. */
export function duration(value: string, flag: string, maxMs = 24 * 3600_000): number {
  const text = value.trim();
  const parsed = /^\d+$/.test(text)
    ? Number(text) * 1000
    : /^\d+(\.\d+)?\s*(ms|s|m|h)$/.test(text)
      ? ms(text as ms.StringValue)
      : NaN;
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > maxMs) {
    throw new UsageError(`${flag} must be a duration such as 90s, 15m or 1h, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function region(value: string, source = '--region'): string {
  if (!REGION.test(value))
    throw new UsageError(`${source} ${JSON.stringify(value)} is not an AWS Region name (e.g. us-east-1)`);
  return value;
}

export function endpointUrl(value: string, source = '--endpoint-url'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} ${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:5000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http:// or https:// URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

/** A URL to send requests to (`lb probe --url`): http or https, kept as given. */
export function httpUrl(value: string, flag: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new UsageError(`${flag} must be an http:// or https:// URL, got ${JSON.stringify(value)}`);
  return value;
}

/** KEY=VALUE pairs, as in `--env PORT=8080`; the key must be a portable environment variable name. */
export function keyValue(value: string, flag: string): [string, string] {
  const eq = value.indexOf('=');
  const key = eq > 0 ? value.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    throw new UsageError(`${flag} must look like KEY=VALUE, got ${JSON.stringify(value)}`);
  return [key, value.slice(eq + 1)];
}

/**
 * A container image reference as Docker accepts it: [host[:port]/]path[:tag][@sha256:digest].
 * Kept strict (lowercase path, no spaces) because ECS fails late, at task start, on bad ones.
 */
// A first component counts as a registry host only with a dot, a port or "localhost", as Docker decides.
const HOST = String.raw`(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+(?=:\d))(?::\d+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const IMAGE_REF = new RegExp(
  String.raw`^(?:${HOST}\/)?${COMPONENT}(?:\/${COMPONENT})*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

export function imageRef(value: string, flag = '--image'): string {
  if (value.length > 255 || !IMAGE_REF.test(value)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a valid image reference (e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1)`,
    );
  }
  return value;
}

/** An image tag as Docker accepts it. */
export function imageTag(value: string, flag = '--tag'): string {
  if (!/^[\w][\w.-]{0,127}$/.test(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a valid image tag`);
  return value;
}

/** EC2-style IDs (vpc-…, subnet-…, sg-…, ami-…, i-…). */
export function awsId(value: string, prefix: string, flag: string): string {
  if (!new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a ${prefix}- ID`);
  }
  return value;
}

/** ECS container and family names. */
export function ecsName(value: string, flag: string): string {
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(value))
    throw new UsageError(`${flag} ${JSON.stringify(value)} may only use letters, digits, - and _`);
  return value;
}

/** "a,b,c" → ["a","b","c"], each checked with `each`. */
export function list<T>(value: string, flag: string, each: (v: string) => T): T[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new UsageError(`${flag} needs at least one value`);
  return parts.map(each);
}

/** The only retention periods CloudWatch Logs accepts (PutRetentionPolicy rejects anything else). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function logRetentionDays(value: string, flag: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(n)) {
    throw new UsageError(
      `${flag} must be one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(', ')} days), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** CloudWatch Logs group names: 1-512 of letters, digits, _ - / . # */
export function logGroupName(value: string, flag: string): string {
  if (!/^[\w\-/.#]{1,512}$/.test(value))
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a CloudWatch Logs group name (letters, digits, _ - / . #)`,
    );
  return value;
}

/**
 * An ECS task ID (32 hex digits; older tasks have UUIDs), the start of one, or a task ARN, whose
 * last segment is the ID. Returns the ID (or its start) in lowercase.
 */
export function taskId(value: string, flag: string): string {
  const id = (/^arn:aws[\w-]*:ecs:[^:]+:\d{12}:task\/(?:[^/]+\/)?([^/]+)$/.exec(value)?.[1] ?? value).toLowerCase();
  if (!/^[0-9a-f][0-9a-f-]{0,35}$/.test(id))
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not an ECS task ID (hex digits, or the start of them) or task ARN`,
    );
  return id;
}

/**
 * An EC2 instance type's shape: family (letters, digits, hyphens) "." size, as in t3.small,
 * m7g.xlarge, u-6tb1.metal. The list of real types changes monthly, so only the shape is checked
 * here; AWS rejects unknown ones.
 */
export function instanceType(value: string, flag = '--type'): string {
  if (value.length > 64 || !/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(value)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not an EC2 instance type (e.g. t3.small, m7g.large)`);
  }
  return value;
}

/** An IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24. */
export function ipv4Cidr(value: string, flag: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value.trim());
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not an IPv4 CIDR block (e.g. 0.0.0.0/0 or 203.0.113.0/24)`,
    );
  }
  return value.trim();
}

/** An EC2 key pair name: 1-255 printable ASCII characters. */
export function keyPairName(value: string, flag = '--key-name'): string {
  if (!/^[\x20-\x7e]{1,255}$/.test(value) || value.trim() !== value) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a key pair name (1-255 printable ASCII characters)`);
  }
  return value;
}

/** An HTTP path for health checks and probes: starts with /, printable ASCII, up to 1024 characters. */
export function healthPath(value: string, flag: string): string {
  if (!/^\/[\x21-\x7e]{0,1023}$/.test(value))
    throw new UsageError(`${flag} must be a path starting with / (e.g. /health), got ${JSON.stringify(value)}`);
  return value;
}

/** ECS's quota: 5,000 tasks per service (not adjustable), so a service's desired count is 0-5000. */
export const MAX_DESIRED_COUNT = 5000;

export function desiredCount(value: string, flag: string): number {
  return integer(value, flag, 0, MAX_DESIRED_COUNT);
}

/** "true" or "false", as a boolean setting reads from `--config`. */
export function boolean(value: string, flag: string): boolean {
  if (value !== 'true' && value !== 'false')
    throw new UsageError(`${flag} must be true or false, got ${JSON.stringify(value)}`);
  return value === 'true';
}

/** `--capacity`: how container instances are run (RunInstances or an Auto Scaling group). */
export function capacityMode(value: string, flag = '--capacity'): 'instances' | 'asg' {
  if (value !== 'instances' && value !== 'asg') {
    throw new UsageError(`${flag} must be instances or asg, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `--max-instances` (default twice the count) may not be below the count the group keeps. */
export function maxInstances(
  max: number | undefined,
  count: number,
  flags = ['--max-instances', '--instance-count'],
): number {
  const value = max ?? Math.min(2 * count, 40);
  if (value < count) {
    throw new UsageError(`${flags[0]} ${value} is below ${flags[1]} ${count}: the group could never hold them`);
  }
  return value;
}

/** A percentage above 0 and at most 100, e.g. an auto scaling CPU target (0 or 101 exits 2). */
export function percent(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 100)
    throw new UsageError(`${flag} must be a percentage above 0 and at most 100, got ${JSON.stringify(value)}`);
  return n;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/; // RFC 1035, as Route 53 and ACM take it

/** A domain name for the alias record and the certificate: ≤ 253 characters, 2+ labels, no wildcard or IP; lowercased. */
export function fqdn(value: string, flag = '--domain'): string {
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  const why =
    name.length > 253
      ? `is ${name.length} characters long; a domain name has at most 253`
      : (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) &&
        'is not a domain name: use dot-separated labels of letters, digits and inner hyphens, e.g. app.example.com';
  if (why)
    throw new UsageError(`${flag} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)} ${why}`);
  return name;
}

const CERTIFICATE_ARN =
  /^arn:aws(?:-[a-z]+)*:acm:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):\d{12}:certificate\/[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

/** arn:aws:acm:<region>:<account>:certificate/<uuid>; with `region`, of that region (an ALB uses its own region's only). */
export function certificateArn(value: string, flag = '--certificate-arn', region?: string): string {
  const of = CERTIFICATE_ARN.exec(value.trim())?.[1];
  const why = !of
    ? 'is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)'
    : region && of !== region && `is a certificate of ${of}; a load balancer in ${region} can only use one of its own`;
  if (why) throw new UsageError(`${flag} ${JSON.stringify(value)} ${why}`);
  return value.trim();
}

/** A Route 53 hosted zone ID ("Z0123456789ABCDEFGHIJ", or "/hostedzone/Z…"): up to 32 capitals and digits. */
export function hostedZoneId(value: string, flag = '--hosted-zone-id'): string {
  const id = value.trim().replace(/^\/hostedzone\//, '');
  const why = 'is not a Route 53 hosted zone ID (e.g. Z0123456789ABCDEFGHIJ)';
  if (!/^[A-Z0-9]{1,32}$/.test(id)) throw new UsageError(`${flag} ${JSON.stringify(value)} ${why}`);
  return id;
}
