/**
 * What the three ELBv2 step files (target group, load balancer, listener) share: reading a
 * resource's tags, and the error names ELBv2 uses for "not there". moto answers with the bare
 * query-protocol code (LoadBalancerNotFound) and the SDK names it …Exception; both are accepted.
 */
import {
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
  type Tag,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { asOperationError, isAwsError } from '../../aws/errors.js';

export const NOT_FOUND = {
  targetGroup: ['TargetGroupNotFoundException', 'TargetGroupNotFound'],
  loadBalancer: ['LoadBalancerNotFoundException', 'LoadBalancerNotFound'],
  listener: ['ListenerNotFoundException', 'ListenerNotFound'],
} as const;

async function describeTags(elb: ElasticLoadBalancingV2Client, arn: string): Promise<Tag[]> {
  const out = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return out.TagDescriptions?.find((d) => d.ResourceArn === arn)?.Tags ?? out.TagDescriptions?.[0]?.Tags ?? [];
}

/** The tags of one ELBv2 resource that was just described (empty when it has none). */
export async function elbTags(elb: ElasticLoadBalancingV2Client, arn: string, what: string): Promise<Tag[]> {
  try {
    return await describeTags(elb, arn);
  } catch (e) {
    throw asOperationError(`read the tags of ${what}`, e);
  }
}

/**
 * The tags of a load balancer that may be gone: undefined when ELBv2 answers LoadBalancerNotFound
 * (as AWS does for a deleted ARN; moto answers an empty tag list instead).
 */
export async function elbTagsIfPresent(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
  what: string,
): Promise<Tag[] | undefined> {
  try {
    return await describeTags(elb, arn);
  } catch (e) {
    if (isAwsError(e, ...NOT_FOUND.loadBalancer)) return undefined;
    throw asOperationError(`read the tags of ${what}`, e);
  }
}
