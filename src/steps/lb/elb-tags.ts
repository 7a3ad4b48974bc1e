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
import { asOperationError } from '../../aws/errors.js';

export const NOT_FOUND = {
  targetGroup: ['TargetGroupNotFoundException', 'TargetGroupNotFound'],
  loadBalancer: ['LoadBalancerNotFoundException', 'LoadBalancerNotFound'],
  listener: ['ListenerNotFoundException', 'ListenerNotFound'],
} as const;

/** The tags of one ELBv2 resource (empty when it has none or is already gone). */
export async function elbTags(elb: ElasticLoadBalancingV2Client, arn: string, what: string): Promise<Tag[]> {
  try {
    const out = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    return out.TagDescriptions?.find((d) => d.ResourceArn === arn)?.Tags ?? out.TagDescriptions?.[0]?.Tags ?? [];
  } catch (e) {
    throw asOperationError(`read the tags of ${what}`, e);
  }
}
