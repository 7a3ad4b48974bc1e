/**
 * Service quota errors: a quota does not change in thirty seconds, so these are never retried
 * (the SDK would treat LimitExceededException as throttling and back off eight times) and the
 * user is told at once which quota it is and what to do. Classified by error code only; each
 * service words the quota itself in the message, which is shown as it came.
 */

/** Error codes (wire codes and the SDK's exception names) that mean "an account quota is reached". */
const QUOTA_CODES = new Set([
  // EC2 (RunInstances, CreateSecurityGroup, AuthorizeSecurityGroupIngress)
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'SecurityGroupLimitExceeded',
  'RulesPerSecurityGroupLimitExceeded',
  'AddressLimitExceeded',
  // ELBv2 (wire code, and the SDK's modeled name)
  'TooManyLoadBalancers',
  'TooManyLoadBalancersException',
  'TooManyTargetGroups',
  'TooManyTargetGroupsException',
  'TooManyListeners',
  'TooManyListenersException',
  'TooManyRules',
  'TooManyRulesException',
  // ECS, ECR, CloudWatch Logs, IAM (IAM's wire code is LimitExceeded)
  'LimitExceededException',
  'LimitExceeded',
  'ServiceQuotaExceededException',
  'AttributeLimitExceededException',
]);

const errorName = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : undefined;

function code(e: unknown): string | undefined {
  return (e as { Code?: string } | undefined)?.Code ?? errorName(e);
}

export function isQuotaError(e: unknown): boolean {
  const c = code(e);
  const name = errorName(e);
  return (c !== undefined && QUOTA_CODES.has(c)) || (name !== undefined && QUOTA_CODES.has(name));
}

/** What to do about it; EC2 capacity quotas can also be met with fewer or smaller instances. */
export function quotaHint(e: unknown): string {
  const c = code(e) ?? '';
  const smaller = ['VcpuLimitExceeded', 'InstanceLimitExceeded'].includes(c)
    ? ' or ask for less: a smaller --instance-type or a lower --instance-count;'
    : ';';
  return `This is a quota of your AWS account and retrying will not help: request an increase in the Service Quotas console (https://console.aws.amazon.com/servicequotas/),${smaller} or delete resources you no longer use.`;
}
