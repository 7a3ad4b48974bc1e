/**
 * What moto does not model and real AWS does when a load balancer is deleted: its network
 * interfaces (one per subnet, described "ELB app/<name>/<id>", requester amazon-elb) stay in its
 * security group for minutes, and DeleteSecurityGroup on that group answers DependencyViolation
 * until they are gone (aws-facts §1 row 16; hashicorp/terraform#3758; ENI descriptions as AWS
 * gives them, e.g. in terraform state exports of `aws_network_interface`). moto creates no ENIs
 * for an ALB at all. This is a `decide` for test/harness/proxy.ts that answers both calls as EC2
 * would (same codes, status and XML shape) for `lingerMs` after DeleteLoadBalancer passes.
 */
import type { Call, Decision } from './proxy.js';

export interface LingeringEnis {
  readonly decide: (call: Call) => Decision;
  /** When DeleteLoadBalancer went through, and when the interfaces were released (ms since epoch). */
  readonly deletedAt: () => number | undefined;
  readonly releasedAt: () => number | undefined;
}

const xml = { 'content-type': 'text/xml;charset=UTF-8' };

export function lingeringEnis(o: {
  readonly loadBalancerArn: string;
  readonly groupId: string;
  readonly subnets: readonly string[];
  readonly lingerMs: number;
}): LingeringEnis {
  const [, name, id] = /:loadbalancer\/app\/([^/]+)\/([^/]+)$/.exec(o.loadBalancerArn) ?? [];
  const description = `ELB app/${name}/${id}`;
  let deletedAt: number | undefined;
  const lingering = () => deletedAt === undefined || Date.now() < deletedAt + o.lingerMs;
  const filters = (body: string) => {
    const p = new URLSearchParams(body);
    const out: Record<string, string[]> = {};
    for (const [k, v] of p) {
      const m = /^Filter\.(\d+)\.Name$/.exec(k);
      if (m) out[v] = [...p].filter(([kk]) => kk.startsWith(`Filter.${m[1]}.Value.`)).map(([, vv]) => vv);
    }
    return out;
  };
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(description);
  const enis = () =>
    o.subnets
      .map(
        (subnet, i) =>
          `<item><networkInterfaceId>eni-0test${String(i).padStart(12, '0')}</networkInterfaceId><subnetId>${subnet}</subnetId><description>${description}</description><ownerId>123456789012</ownerId><requesterId>amazon-elb</requesterId><requesterManaged>true</requesterManaged><status>in-use</status><interfaceType>interface</interfaceType><groupSet><item><groupId>${o.groupId}</groupId></item></groupSet></item>`,
      )
      .join('');
  return {
    deletedAt: () => deletedAt,
    releasedAt: () => (deletedAt === undefined ? undefined : deletedAt + o.lingerMs),
    decide(call) {
      if (call.operation === 'DeleteLoadBalancer') deletedAt ??= Date.now();
      if (!lingering()) return { kind: 'pass' };
      if (call.operation === 'DescribeNetworkInterfaces') {
        const f = filters(call.body);
        const ours = (f.description ?? ['*']).some(matches) && (f['group-id'] ?? [o.groupId]).includes(o.groupId);
        if (ours)
          return {
            kind: 'respond',
            status: 200,
            headers: xml,
            body: `<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>lingering-enis</requestId><networkInterfaceSet>${enis()}</networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
          };
      }
      if (call.operation === 'DeleteSecurityGroup' && new URLSearchParams(call.body).get('GroupId') === o.groupId)
        return {
          kind: 'respond',
          status: 400,
          headers: xml,
          body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>DependencyViolation</Code><Message>resource ${o.groupId} has a dependent object</Message></Error></Errors><RequestID>lingering-enis</RequestID></Response>`,
        };
      return { kind: 'pass' };
    },
  };
}
