/**
 * What real AWS does around ACM, Route 53 and HTTPS listeners that moto 5.2.1 does not, answered
 * on the wire in front of moto (as the strict-AWS proxy does for other services), each rule with
 * its source. A rule looks at the account through the SDK before deciding; everything else passes.
 *
 * 1. DescribeCertificate right after RequestCertificate names no validation record yet. ACM API
 *    reference, RequestCertificate: "there is a delay of several seconds before you can retrieve
 *    information about the new certificate". moto fills DomainValidationOptions[].ResourceRecord at
 *    once; here the first `recordAfterCalls` describes of a new certificate come without it.
 * 2. DeleteCertificate while a listener uses the certificate, and for a while after that listener
 *    (or its load balancer) is deleted: 400 ResourceInUseException "Certificate <arn> in account
 *    <id> is in use." (dfds/infrastructure-modules#5; hashicorp/terraform-provider-aws#3866 for the
 *    lag after the load balancer is gone). moto deletes it regardless.
 * 3. ChangeResourceRecordSets CREATE of a name and type that exist: 400 with the <InvalidChangeBatch>
 *    body (awslabs/aws-sdk-kotlin route53 ChangeResourceRecordSetsUnmarshallingTest). moto adds a
 *    duplicate record.
 * 4. CreateListener/ModifyListener with a certificate that is not ISSUED: 400 UnsupportedCertificate
 *    (DataBiosphere/azul#8321: "what ELB returns for a certificate that is not yet ISSUED"). moto
 *    accepts any certificate that exists.
 */
import { DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import type { VerifyClients } from './aws.js';
import type { Call, Decision } from './proxy.js';

export interface DomainRuleOptions {
  /** Describes of a new certificate answered without its validation record. @default 2 */
  readonly recordAfterCalls?: number;
  /**
   * DeleteCertificate calls still answered "in use" after the listener holding the certificate was
   * deleted (AWS lets go after some seconds; counted, not timed, so a slow machine sees the same). @default 2
   */
  readonly releaseAfterCalls?: number;
}

export interface DomainRules {
  readonly decide: (call: Call) => Promise<Decision>;
  /** What each rule did, for tests to assert that it really fired. */
  readonly fired: { hiddenRecords: number; inUse: number; duplicateCreates: number; unsupportedCertificates: number };
}

const PASS: Decision = { kind: 'pass' };
const ACCOUNT = '123456789012';

const jsonError = (type: string, message: string): Decision => ({
  kind: 'respond',
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'strict-domain' },
  body: JSON.stringify({ __type: type, message }),
});

const queryError = (code: string, message: string): Decision => ({
  kind: 'respond',
  status: 400,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>strict-domain</RequestId></ErrorResponse>`,
});

export function domainRules(moto: string, aws: VerifyClients, o: DomainRuleOptions = {}): DomainRules {
  const { recordAfterCalls = 2, releaseAfterCalls = 2 } = o;
  const describes = new Map<string, number>();
  /** certificate ARN → DeleteCertificate calls still refused since its listener was deleted */
  const releasing = new Map<string, number>();
  const fired = { hiddenRecords: 0, inUse: 0, duplicateCreates: 0, unsupportedCertificates: 0 };

  const listenersUsing = async (certArn: string) => {
    const lbs = (await aws.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const all = await Promise.all(
      lbs.map(
        async (lb) =>
          (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [],
      ),
    );
    return all.flat().filter((l) => l.Certificates?.some((c) => c.CertificateArn === certArn));
  };

  const holdCertificatesOf = async (listeners: { Certificates?: { CertificateArn?: string }[] }[]) => {
    for (const l of listeners)
      for (const c of l.Certificates ?? []) if (c.CertificateArn) releasing.set(c.CertificateArn, releaseAfterCalls);
  };

  const decide = async (call: Call): Promise<Decision> => {
    const op = call.operation;
    if (call.service === 'ACM' && op === 'DescribeCertificate') {
      const arn = (JSON.parse(call.body) as { CertificateArn: string }).CertificateArn;
      const n = (describes.get(arn) ?? 0) + 1;
      describes.set(arn, n);
      if (n > recordAfterCalls) return PASS;
      const res = await fetch(moto, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'CertificateManager.DescribeCertificate',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIAECSCTLTEST000000/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: call.body,
      });
      const text = await res.text();
      if (!res.ok)
        return {
          kind: 'respond',
          status: res.status,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: text,
        };
      const out = JSON.parse(text) as { Certificate?: { DomainValidationOptions?: { ResourceRecord?: unknown }[] } };
      for (const d of out.Certificate?.DomainValidationOptions ?? []) delete d.ResourceRecord;
      fired.hiddenRecords += 1;
      return {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify(out),
      };
    }
    if (call.service === 'ACM' && op === 'DeleteCertificate') {
      const arn = (JSON.parse(call.body) as { CertificateArn: string }).CertificateArn;
      const lingering = releasing.get(arn) ?? 0;
      if (lingering > 0) releasing.set(arn, lingering - 1);
      const held = lingering > 0 || (await listenersUsing(arn)).length > 0;
      if (!held) return PASS;
      fired.inUse += 1;
      return jsonError('ResourceInUseException', `Certificate ${arn} in account ${ACCOUNT} is in use.`);
    }
    if (call.service === 'ELASTICLOADBALANCING' && (op === 'DeleteListener' || op === 'DeleteLoadBalancer')) {
      const p = new URLSearchParams(call.body);
      const listeners =
        op === 'DeleteListener'
          ? ((
              await aws.elb
                .send(new DescribeListenersCommand({ ListenerArns: [p.get('ListenerArn')!] }))
                .catch(() => undefined)
            )?.Listeners ?? [])
          : ((
              await aws.elb
                .send(new DescribeListenersCommand({ LoadBalancerArn: p.get('LoadBalancerArn')! }))
                .catch(() => undefined)
            )?.Listeners ?? []);
      await holdCertificatesOf(listeners);
      return PASS;
    }
    if (call.service === 'ELASTICLOADBALANCING' && (op === 'CreateListener' || op === 'ModifyListener')) {
      const arn = new URLSearchParams(call.body).get('Certificates.member.1.CertificateArn');
      if (!arn) return PASS;
      const status = (
        await aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn })).catch(() => undefined)
      )?.Certificate?.Status;
      if (status === undefined || status === 'ISSUED') return PASS;
      fired.unsupportedCertificates += 1;
      return queryError(
        'UnsupportedCertificate',
        `The certificate '${arn}' must have a fully-qualified domain name, a supported signature, and a supported key size.`,
      );
    }
    if (call.service === 'ROUTE53' && op === 'ChangeResourceRecordSets') {
      const zone = /hostedzone\/([^/]+)\/rrset/.exec(call.path ?? '')?.[1];
      const creates = [...call.body.matchAll(/<Change>([\s\S]*?)<\/Change>/g)]
        .map((m) => m[1]!)
        .filter((c) => /<Action>CREATE<\/Action>/.test(c))
        .map((c) => ({
          name: /<Name>([^<]+)<\/Name>/.exec(c)?.[1] ?? '',
          type: /<Type>([^<]+)<\/Type>/.exec(c)?.[1] ?? '',
        }));
      if (!zone || creates.length === 0) return PASS;
      const records =
        (await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }))).ResourceRecordSets ?? [];
      const norm = (n: string) => n.toLowerCase().replace(/\.$/, '');
      const dup = creates.find((c) => records.some((r) => norm(r.Name ?? '') === norm(c.name) && r.Type === c.type));
      if (!dup) return PASS;
      fired.duplicateCreates += 1;
      return {
        kind: 'respond',
        status: 400,
        headers: { 'content-type': 'text/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages><Message>Tried to create resource record set [name='${norm(dup.name)}.', type='${dup.type}'] but it already exists</Message></Messages><RequestId>strict-domain</RequestId></InvalidChangeBatch>`,
      };
    }
    return PASS;
  };
  return { decide, fired };
}
