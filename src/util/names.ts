/**
 * Every name ecsctl derives from the stack name, and each service's rules for it, in one place.
 * AWS refuses some names moto accepts (a security group called `sg-…`, a load balancer called
 * `internal-…`); checking them all here lets a bad --name exit 2 before any AWS call instead of
 * failing half-way through `up`.
 */

export interface NameRule {
  /** "security group", "load balancer", … */
  readonly what: string;
  readonly max: number;
  readonly pattern: RegExp;
  /** Prefixes the service reserves. */
  readonly reservedPrefixes?: readonly string[];
  /** Where the rule is written down. */
  readonly source: string;
}

const RULES = {
  repository: {
    what: 'ECR repository',
    max: 256,
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    source: 'ECR API_CreateRepository',
  },
  ecs: {
    what: 'ECS cluster, service or family',
    max: 255,
    pattern: /^[a-zA-Z0-9_-]+$/,
    source: 'ECS API_CreateCluster',
  },
  securityGroup: {
    what: 'security group',
    max: 255,
    pattern: /^[\x20-\x7e]+$/,
    reservedPrefixes: ['sg-'],
    source: 'EC2 API_CreateSecurityGroup: "Cannot start with sg-"',
  },
  loadBalancer: {
    what: 'load balancer',
    max: 32,
    pattern: /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/,
    reservedPrefixes: ['internal-'],
    source: 'ELBv2 API_CreateLoadBalancer: 32 characters, no leading/trailing hyphen, not "internal-"',
  },
  targetGroup: {
    what: 'target group',
    max: 32,
    pattern: /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/,
    source: 'ELBv2 API_CreateTargetGroup: 32 characters, no leading/trailing hyphen',
  },
  iamRole: { what: 'IAM role', max: 64, pattern: /^[\w+=,.@-]+$/, source: 'IAM API_CreateRole' },
  instanceProfile: {
    what: 'IAM instance profile',
    max: 128,
    pattern: /^[\w+=,.@-]+$/,
    source: 'IAM API_CreateInstanceProfile',
  },
  logGroup: {
    what: 'log group',
    max: 512,
    pattern: /^[\w\-/.#]+$/,
    reservedPrefixes: ['aws/'],
    source: 'CloudWatch Logs API_CreateLogGroup',
  },
} as const satisfies Record<string, NameRule>;

/** The names `up` creates for a stack (README "Names derived from the stack"). */
export function derivedNames(stack: string): { readonly name: string; readonly rule: NameRule }[] {
  return [
    { name: stack, rule: RULES.repository },
    { name: stack, rule: RULES.ecs },
    { name: `${stack}-lb-sg`, rule: RULES.securityGroup },
    { name: `${stack}-instance-sg`, rule: RULES.securityGroup },
    { name: `${stack}-lb`, rule: RULES.loadBalancer },
    { name: `${stack}-tg`, rule: RULES.targetGroup },
    { name: `${stack}-ecs-instance`, rule: RULES.iamRole },
    { name: `${stack}-ecs-instance`, rule: RULES.instanceProfile },
    { name: `/ecs/${stack}`, rule: RULES.logGroup },
  ];
}

/** Why AWS would refuse `name` as a `rule.what`, or undefined when it is fine. */
export function nameProblem(name: string, rule: NameRule): string | undefined {
  if (name.length > rule.max) return `longer than ${rule.max} characters`;
  if (!rule.pattern.test(name)) return 'uses characters or hyphens it does not allow';
  const prefix = rule.reservedPrefixes?.find((p) => name.toLowerCase().startsWith(p));
  return prefix ? `may not start with "${prefix}"` : undefined;
}

/** The first derived name AWS would refuse, in words; undefined when all are fine. */
export function refusedDerivedName(stack: string): string | undefined {
  for (const { name, rule } of derivedNames(stack)) {
    const problem = nameProblem(name, rule);
    if (problem) return `the ${rule.what} name ${JSON.stringify(name)} ${problem} (${rule.source})`;
  }
  return undefined;
}
