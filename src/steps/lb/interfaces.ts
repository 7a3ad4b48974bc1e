/**
 * What keeps a load balancer's security group from being deleted after the load balancer is:
 * its network interfaces, which AWS releases "some minutes" later (aws-facts §1 row 16; until
 * then DeleteSecurityGroup answers DependencyViolation). Instead of retrying the delete blindly,
 * `down` watches them go. AWS describes an application load balancer's interfaces as
 * "ELB app/<name>/<id>" (the end of its ARN, `loadbalancer/app/<name>/<id>`), requester `amazon-elb`.
 * moto creates no such interfaces, so there the first check finds none.
 */
import { DescribeNetworkInterfacesCommand, type EC2Client, type NetworkInterface } from '@aws-sdk/client-ec2';
import { asOperationError } from '../../aws/errors.js';
import { WaitTimeoutError } from '../../errors.js';
import { formatElapsed, pollUntil, WAITS } from '../../util/poll.js';
import { clockOf, type StepContext } from '../context.js';

/**
 * The network interfaces of the load balancer named `loadBalancerName` that still use the
 * security group. Filtered by group (one of the filters EC2 asks for in large accounts) and by
 * description, with the ID part a wildcard: a rerun after a crash no longer knows the ARN.
 */
export async function loadBalancerInterfaces(
  ec2: EC2Client,
  groupId: string,
  loadBalancerName: string,
): Promise<NetworkInterface[]> {
  try {
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [
          { Name: 'group-id', Values: [groupId] },
          { Name: 'description', Values: [`ELB app/${loadBalancerName}/*`] },
        ],
      }),
    );
    return out.NetworkInterfaces ?? [];
  } catch (e) {
    throw asOperationError(`describe the network interfaces of load balancer ${loadBalancerName}`, e);
  }
}

/**
 * Resolves once the deleted load balancer has no network interface left in the group, polling
 * on WAITS.loadBalancerInterfaces (dense near the ~90 s AWS usually takes); times out with exit 4
 * naming the interfaces still there.
 */
export async function waitForLoadBalancerInterfaces(
  ctx: StepContext,
  o: { groupId: string; loadBalancerName: string; timeoutMs?: number },
): Promise<void> {
  const read = () => loadBalancerInterfaces(ctx.aws.ec2, o.groupId, o.loadBalancerName);
  let last: NetworkInterface[] = [];
  const what = `the network interfaces of load balancer ${o.loadBalancerName} to be released`;
  try {
    await ctx.report.step(what, (update) =>
      pollUntil({
        ...clockOf(ctx),
        what,
        schedule: WAITS.loadBalancerInterfaces,
        timeoutMs: o.timeoutMs ?? 600_000,
        read: async () => (last = await read()),
        onPoll: (enis, elapsed) => update(`${enis.length} left (${formatElapsed(elapsed)})`),
        done: (enis) => enis.length === 0,
      }),
    );
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
    throw new WaitTimeoutError(`${e.message}: ${last.map((n) => n.NetworkInterfaceId).join(', ')} still there`, {
      hint: "AWS releases a deleted load balancer's interfaces within minutes; run the same command again later.",
    });
  }
}
