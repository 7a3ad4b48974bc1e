/**
 * `--domain` end to end: the built CLI against moto behind the strict ACM/Route 53/ELB rules
 * (test/harness/strict-domain.ts), every resource read back through the SDK. moto issues a
 * DNS-validated certificate MOTO_ACM_VALIDATION_WAIT seconds after the request; the hosted zone is
 * the test's own and must be exactly as it was after teardown.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { domainRules, type DomainRules } from '../harness/strict-domain.js';
import { startBackends } from '../harness/backends.js';
import { makeTestPki } from '../harness/tls.js';
import { expectRejectedBeforeAnyCall, startRecorder, type BadInputCase } from '../harness/bad-input.js';

let moto: Moto;
let proxy: Proxy;
let rules: DomainRules;
let aws: VerifyClients;
let zoneId: string;
let zoneBefore: ResourceRecordSet[];
const FAST = { ECSCTL_POLL_SCALE: '0.1' };

const newDir = async () => mkdtemp(join(tmpdir(), 'ecsctl-e2e-domain-'));
const readState = async (cwd: string) => JSON.parse(await readFile(join(cwd, 'ecsctl.state.json'), 'utf8'));
const recordsOf = async (id: string) =>
  (await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
const sortRecords = (rs: ResourceRecordSet[]) =>
  [...rs].sort((a, b) => `${a.Name}${a.Type}`.localeCompare(`${b.Name}${b.Type}`));
const listenersOf = async (lbArn: string) =>
  ((await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? []).sort(
    (a, b) => a.Port! - b.Port!,
  );
const mutatingSince = (from: number) =>
  proxy.calls
    .slice(from)
    .map((c) => c.operation)
    .filter((op) => MUTATING.test(op));

beforeAll(async () => {
  moto = await startMoto({ MOTO_ACM_VALIDATION_WAIT: '2' });
  aws = verifyClients(moto.endpoint);
  rules = domainRules(moto.endpoint, aws);
  proxy = await startProxy(moto.endpoint, rules.decide);
  zoneId = (
    await aws.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'ecsctl-e2e' }))
  ).HostedZone!.Id!.replace('/hostedzone/', '');
  zoneBefore = sortRecords(await recordsOf(zoneId));
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

describe('lb create --domain → rerun → lb delete', () => {
  let opts: CliOptions;
  beforeAll(async () => {
    opts = { cwd: await newDir(), endpoint: proxy.endpoint, env: FAST };
  });

  it('issues the certificate through the zone, serves HTTPS:443, redirects :80 and points the name at the ALB', async () => {
    const r = await runCli(['lb', 'create', '--name', 'web', '--domain', 'app.example.com', '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.url).toBe('https://app.example.com/');
    const state = await readState(opts.cwd);
    expect(state.domain).toEqual({ fqdn: 'app.example.com', hostedZoneId: zoneId, zoneName: 'example.com' });

    // The certificate: requested with DNS validation, tagged, ISSUED; the strict rule hid its record at first.
    const cert = (await aws.acm.send(new DescribeCertificateCommand({ CertificateArn: state.certificate.arn })))
      .Certificate!;
    expect(cert).toMatchObject({ DomainName: 'app.example.com', Status: 'ISSUED', Type: 'AMAZON_ISSUED' });
    expect(state.certificate.requested).toBe(true);
    const tags = (await aws.acm.send(new ListTagsForCertificateCommand({ CertificateArn: cert.CertificateArn }))).Tags;
    expect(tags).toContainEqual({ Key: 'ecsctl:stack', Value: 'web' });
    expect(rules.fired.hiddenRecords).toBeGreaterThanOrEqual(1);

    // The validation CNAME ACM named is in the zone, recorded as ecsctl's.
    const wanted = cert.DomainValidationOptions![0]!.ResourceRecord!;
    const records = await recordsOf(zoneId);
    expect(records).toContainEqual(
      expect.objectContaining({ Name: wanted.Name, Type: 'CNAME', ResourceRecords: [{ Value: wanted.Value }] }),
    );
    expect(state.validationRecord).toEqual({ hostedZoneId: zoneId, name: wanted.Name, value: wanted.Value });

    // The two listeners: :80 (the recorded one) redirects, :443 forwards with the certificate and TLS 1.2+.
    const [http, https] = await listenersOf(state.loadBalancer.arn);
    expect(http).toMatchObject({ ListenerArn: state.listener.arn, Port: 80, Protocol: 'HTTP' });
    expect(http!.DefaultActions).toEqual([
      expect.objectContaining({
        Type: 'redirect',
        RedirectConfig: expect.objectContaining({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
      }),
    ]);
    expect(https).toMatchObject({
      ListenerArn: state.httpsListener.arn,
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: cert.CertificateArn }],
    });
    expect(https!.DefaultActions).toEqual([
      expect.objectContaining({ Type: 'forward', TargetGroupArn: state.targetGroup.arn }),
    ]);

    // The LB security group admits exactly tcp 80 and 443.
    const sg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.lbSecurityGroup.id] })))
      .SecurityGroups![0]!;
    expect(
      sg
        .IpPermissions!.map((p) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${p.IpRanges?.map((x) => x.CidrIp)}`)
        .sort(),
    ).toEqual(['tcp 443-443 0.0.0.0/0', 'tcp 80-80 0.0.0.0/0']);

    // The alias A record → the ALB's DNS name in its canonical hosted zone.
    const lb = (await aws.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [state.loadBalancer.arn] })))
      .LoadBalancers![0]!;
    const alias = records.find((x) => x.Name === 'app.example.com.' && x.Type === 'A');
    expect(alias?.AliasTarget).toMatchObject({ DNSName: lb.DNSName, HostedZoneId: lb.CanonicalHostedZoneId });
    expect(state.aliasRecord).toEqual({ hostedZoneId: zoneId, name: 'app.example.com', target: lb.DNSName });
    expect(rules.fired.unsupportedCertificates).toBe(0); // the HTTPS listener came after ISSUED
  });

  it('a rerun makes no mutating call and changes nothing in the zone', async () => {
    const before = sortRecords(await recordsOf(zoneId));
    const from = proxy.calls.length;
    const again = await runCli(['lb', 'create', '--domain', 'app.example.com', '--json'], opts);
    expect(again.code, again.stderr).toBe(0);
    expect(mutatingSince(from)).toEqual([]);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', https: { front: 'unchanged' } });
    expect(sortRecords(await recordsOf(zoneId))).toEqual(before);
  });

  it('lb delete removes alias, listeners, certificate (waiting out ResourceInUse) and the CNAME; the zone is as it was', async () => {
    const state = await readState(opts.cwd);
    const r = await runCli(['lb', 'delete', '--yes', '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).domain).toEqual({
      alias: 'deleted',
      httpsListener: 'deleted',
      certificate: 'deleted',
      validationRecord: 'deleted',
    });
    expect(rules.fired.inUse).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/ResourceInUseException/);
    await expect(
      aws.acm.send(new DescribeCertificateCommand({ CertificateArn: state.certificate.arn })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(sortRecords(await recordsOf(zoneId))).toEqual(zoneBefore);
    const after = await readState(opts.cwd);
    for (const k of ['domain', 'certificate', 'validationRecord', 'aliasRecord', 'httpsListener'])
      expect(after[k]).toBeUndefined();
  });
});

describe('adding --domain to an HTTP-only stack', () => {
  it('converts it in place: the :80 listener keeps its ARN and becomes the redirect', async () => {
    const opts = { cwd: await newDir(), endpoint: proxy.endpoint, env: FAST };
    const plain = await runCli(['lb', 'create', '--name', 'conv'], opts);
    expect(plain.code, plain.stderr).toBe(0);
    const before = await readState(opts.cwd);
    const r = await runCli(['lb', 'create', '--domain', 'conv.example.com', '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    const after = await readState(opts.cwd);
    expect(after.listener.arn).toBe(before.listener.arn);
    expect(after.loadBalancer.arn).toBe(before.loadBalancer.arn);
    const [http, https] = await listenersOf(after.loadBalancer.arn);
    expect(http).toMatchObject({ ListenerArn: before.listener.arn, Port: 80 });
    expect(http!.DefaultActions![0]!.Type).toBe('redirect');
    expect(https).toMatchObject({ Port: 443, Protocol: 'HTTPS' });
    expect(
      proxy.calls.some(
        (c) => c.operation === 'ModifyListener' && c.body.includes(encodeURIComponent(before.listener.arn)),
      ),
    ).toBe(true);
    const del = await runCli(['lb', 'delete', '--yes'], opts);
    expect(del.code, del.stderr).toBe(0);
  });
});

describe('a name someone else uses', () => {
  it('exits 1 naming the record, leaves it untouched and creates nothing', async () => {
    const taken: ResourceRecordSet = {
      Name: 'taken.example.com.',
      Type: 'A',
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.10' }],
    };
    await aws.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: taken }] },
      }),
    );
    const opts = { cwd: await newDir(), endpoint: proxy.endpoint, env: FAST };
    const from = proxy.calls.length;
    const r = await runCli(['lb', 'create', '--name', 'taken', '--domain', 'taken.example.com'], opts);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/taken\.example\.com already has a record .* A taken\.example\.com\. → 192\.0\.2\.10/);
    expect(mutatingSince(from)).toEqual([]);
    expect((await recordsOf(zoneId)).filter((x) => x.Name === 'taken.example.com.')).toEqual([taken]);
    const certs = (await aws.acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    expect(certs.filter((c) => c.DomainName === 'taken.example.com')).toEqual([]);
    await aws.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: taken }] },
      }),
    );
  });
});

describe('hosted zone lookup', () => {
  it('exits 2 listing the zones when two public zones share the longest name, and when none matches', async () => {
    const twins = await startMoto();
    try {
      const c = verifyClients(twins.endpoint);
      const ids: string[] = [];
      for (const ref of ['a', 'b'])
        ids.push(
          (
            await c.route53.send(new CreateHostedZoneCommand({ Name: 'twin.test', CallerReference: ref }))
          ).HostedZone!.Id!.replace('/hostedzone/', ''),
        );
      const opts = { cwd: await newDir(), endpoint: twins.endpoint, env: FAST };
      const two = await runCli(['lb', 'create', '--name', 'tw', '--domain', 'www.twin.test'], opts);
      expect(two.code).toBe(2);
      expect(two.stderr).toMatch(
        new RegExp(`2 public hosted zones are named twin\\.test: (${ids[0]}, ${ids[1]}|${ids[1]}, ${ids[0]})`),
      );
      const none = await runCli(['lb', 'create', '--name', 'tw', '--domain', 'www.nozone.test'], opts);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no public Route 53 hosted zone in this account contains www\.nozone\.test/);
      const given = await runCli(
        ['lb', 'create', '--name', 'tw', '--domain', 'www.twin.test', '--hosted-zone-id', 'ZNOSUCHZONE1'],
        opts,
      );
      expect(given.code).toBe(2);
      expect(given.stderr).toMatch(/--hosted-zone-id ZNOSUCHZONE1: no such hosted zone/);
    } finally {
      await twins.stop();
    }
  });
});

describe('a certificate stuck in validation', () => {
  it('exits 4 naming the CNAME to check', async () => {
    const slow = await startMoto({ MOTO_ACM_VALIDATION_WAIT: '100000' });
    try {
      const c = verifyClients(slow.endpoint);
      await c.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'slow' }));
      const opts = { cwd: await newDir(), endpoint: slow.endpoint, env: FAST };
      const r = await runCli(
        ['lb', 'create', '--name', 'stuck', '--domain', 'stuck.example.com', '--certificate-timeout', '3s'],
        opts,
      );
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(
        /timed out after \d+s waiting for certificate .* to be issued: ACM has not yet seen CNAME _[0-9a-f]+\.stuck\.example\.com\. → _[0-9a-f]+\.[a-z]+\.acm-validations\.aws\./,
      );
      expect(r.stderr).toMatch(/dig \+short CNAME _[0-9a-f]+\.stuck\.example\.com\./);
    } finally {
      await slow.stop();
    }
  });
});

describe('lb probe over HTTPS', () => {
  it('trusts --ca-file and fails without it', async () => {
    const pki = makeTestPki();
    const server = await startBackends({ hostnames: ['ip-10-0-1-5', 'ip-10-0-2-6'], tls: pki });
    try {
      const cwd = await newDir();
      await writeFile(join(cwd, 'ca.pem'), pki.caPem);
      const ok = await runCli(['lb', 'probe', '--url', server.url, '--requests', '4', '--ca-file', 'ca.pem'], { cwd });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/4 requests to https:\/\/127\.0\.0\.1:\d+\/: 4 ok, 0 failed; 2 distinct backends/);
      const untrusted = await runCli(['lb', 'probe', '--url', server.url, '--requests', '1'], { cwd });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stdout).toMatch(/request 1 failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    } finally {
      await server.close();
    }
  });
});

describe('bad --domain input: exit 2, one line, no AWS call, state untouched', () => {
  let recorder: Proxy;
  beforeAll(async () => {
    recorder = await startRecorder();
  });
  afterAll(async () => recorder?.close());
  const long = `${Array.from({ length: 50 }, () => 'abcd').join('.')}.example.com`;
  const cases: BadInputCase[] = [
    {
      why: 'not a domain',
      args: ['up', '--name', 'web', '--domain', 'not a domain'],
      code: 2,
      message: /--domain "not a domain" is not a domain name/,
    },
    {
      why: 'over 253 characters',
      args: ['lb', 'create', '--name', 'web', '--domain', long],
      code: 2,
      message: /is 261 characters long; a domain name has at most 253/,
    },
    {
      why: 'a certificate ARN that is not ACM',
      args: [
        'up',
        '--name',
        'web',
        '--domain',
        'app.example.com',
        '--certificate-arn',
        'arn:aws:iam::123456789012:server-certificate/web',
      ],
      code: 2,
      message: /--certificate-arn "arn:aws:iam::123456789012:server-certificate\/web" is not an ACM certificate ARN/,
    },
    {
      why: 'a certificate of another region',
      args: [
        'lb',
        'create',
        '--name',
        'web',
        '--domain',
        'app.example.com',
        '--certificate-arn',
        'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
      ],
      code: 2,
      message: /is a certificate of eu-west-1; a load balancer in us-east-1 can only use one of its own/,
    },
    {
      why: 'a malformed zone ID',
      args: ['lb', 'create', '--name', 'web', '--domain', 'app.example.com', '--hosted-zone-id', 'my zone'],
      code: 2,
      message: /--hosted-zone-id "my zone" is not a Route 53 hosted zone ID/,
    },
    {
      why: 'a zone ID without --domain',
      args: ['up', '--name', 'web', '--hosted-zone-id', 'Z0123456789ABCDEFGHIJ'],
      code: 2,
      message: /--hosted-zone-id needs --domain/,
    },
    {
      why: 'a name ACM cannot request',
      args: ['up', '--name', 'web', '--domain', `${'a'.repeat(60)}.example.com`],
      code: 2,
      message: /ACM requests certificates for names of at most 64/,
    },
    {
      why: 'a bad domain in --config',
      args: ['up', '--config', 'up.json'],
      files: { 'up.json': '{"name":"web","domain":"-x-.example"}' },
      code: 2,
      message: /--config: domain "-x-.example" is not a domain name/,
    },
    {
      why: 'another domain than the recorded one',
      args: ['lb', 'create', '--domain', 'other.example.com'],
      state: JSON.stringify({
        version: 1,
        name: 'web',
        region: 'us-east-1',
        domain: { fqdn: 'app.example.com', hostedZoneId: 'Z1', zoneName: 'example.com' },
      }),
      code: 2,
      message: /stack web already serves app\.example\.com; --domain other\.example\.com cannot replace it in place/,
    },
    {
      why: 'an unreadable --ca-file',
      args: ['lb', 'probe', '--url', 'https://127.0.0.1:9/', '--ca-file', 'nope.pem'],
      code: 2,
      message: /--ca-file nope\.pem: ENOENT/,
    },
  ];
  it.each(cases)('$why', async (c) => expectRejectedBeforeAnyCall(c, recorder));
});
