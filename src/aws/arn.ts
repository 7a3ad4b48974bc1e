/**
 * ARNs ecsctl builds itself, always in the partition of the region in use: `aws` for most
 * regions, `aws-cn` for China, `aws-us-gov` for GovCloud (IAM refuses an ARN of another
 * partition with "Invalid ARN partition"). The prefixes follow the SDK's partitions.json.
 */
const PARTITIONS: readonly [prefix: string, partition: string][] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
];

export function partitionOf(region: string): string {
  return PARTITIONS.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/** An AWS-managed IAM policy, e.g. `service-role/AmazonEC2ContainerServiceforEC2Role`. */
export function managedPolicyArn(region: string, path: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/${path}`;
}
