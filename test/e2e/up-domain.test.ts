/**
 * `up --domain` → rerun → `down` end to end: moto (services report running, DNS-validated
 * certificates issued after 2 s) with the ECS agent and scheduler stand-ins, behind the strict
 * ACM/Route 53/ELB rules. The hosted zone is created by the test and must be exactly as it was
 * after `down`; nothing the stack made may remain.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { expectRerunChangesNothing } from '../harness/rerun.js';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { domainRules, type DomainRules } from '../harness/strict-domain.js';
import { counts, EMPTY, inventory } from '../harness/inventory.js';
import { IMAGE } from '../harness/standins.js';

let moto: Moto;
let proxy: Proxy;
let rules: DomainRules;
let aws: VerifyClients;
let agent: StandinAgent;
let scheduler: Scheduler;
let opts: CliOptions;
let zoneId: string;
let zoneBefore: ResourceRecordSet[];

const recordsOf = async () =>
  ((await aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? []).sort(
    (a, b) => `${a.Name}${a.Type}`.localeCompare(`${b.Name}${b.Type}`),
  );
const readState = async () => JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
const UP = ['up', '--name', 'web', '--image', IMAGE, '--desired-count', '10', '--domain', 'app.example.com'];

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10', MOTO_ACM_VALIDATION_WAIT: '2' });
  aws = verifyClients(moto.endpoint);
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  rules = domainRules(moto.endpoint, aws);
  proxy = await startProxy(moto.endpoint, rules.decide);
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-up-domain-')),
    endpoint: proxy.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
  zoneId = (
    await aws.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'ecsctl-up-domain' }))
  ).HostedZone!.Id!.replace('/hostedzone/', '');
  zoneBefore = await recordsOf();
});
afterAll(async () => {
  await agent?.stop();
  await scheduler?.stop();
  await proxy?.close();
  await moto?.stop();
});

describe('up --domain → rerun → down', () => {
  it('shows the acm, route53 and HTTPS listener commands in the dry run, without any call', async () => {
    const from = proxy.calls.length;
    const plan = await runCli([...UP, '--dry-run'], opts);
    expect(plan.code, plan.stderr).toBe(0);
    expect(proxy.calls.length).toBe(from);
    expect(plan.stdout).toContain(
      '$ aws acm request-certificate --domain-name app.example.com --validation-method DNS',
    );
    expect(plan.stdout).toContain('$ aws route53 change-resource-record-sets');
    expect(plan.stdout).toContain(
      '$ aws elbv2 create-listener --load-balancer-arn <lb-arn> --protocol HTTPS --port 443',
    );
    // The certificate starts in the first wave, beside the network discovery.
    const first = plan.stdout.split(/^wave /m)[1]!;
    expect(first).toMatch(/certificate for app\.example\.com issued: create/);
  });

  it('serves https://app.example.com/: certificate ISSUED, CNAME, listeners, ingress 80+443, alias', async () => {
    const up = await runCli([...UP, '--json'], opts);
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout);
    expect(result.url).toBe('https://app.example.com/');
    expect(result.summary).toMatch(/url: https:\/\/app\.example\.com\//);
    const state = await readState();

    const cert = (await aws.acm.send(new DescribeCertificateCommand({ CertificateArn: state.certificate.arn })))
      .Certificate!;
    expect(cert.Status).toBe('ISSUED');
    const wanted = cert.DomainValidationOptions![0]!.ResourceRecord!;
    const records = await recordsOf();
    expect(records).toContainEqual(
      expect.objectContaining({ Name: wanted.Name, Type: 'CNAME', ResourceRecords: [{ Value: wanted.Value }] }),
    );

    const lb = (await aws.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [state.loadBalancer.arn] })))
      .LoadBalancers![0]!;
    const listeners = (
      (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []
    ).sort((a, b) => a.Port! - b.Port!);
    expect(listeners.map((l) => `${l.Protocol}:${l.Port} ${l.DefaultActions?.[0]?.Type}`)).toEqual([
      'HTTP:80 redirect',
      'HTTPS:443 forward',
    ]);
    expect(listeners[0]!.ListenerArn).toBe(state.listener.arn);
    expect(listeners[1]).toMatchObject({
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: cert.CertificateArn }],
    });
    const sg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.lbSecurityGroup.id] })))
      .SecurityGroups![0]!;
    expect(sg.IpPermissions!.map((p) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`).sort()).toEqual([
      'tcp 443-443',
      'tcp 80-80',
    ]);
    expect(records.find((x) => x.Name === 'app.example.com.' && x.Type === 'A')?.AliasTarget).toMatchObject({
      DNSName: lb.DNSName,
      HostedZoneId: lb.CanonicalHostedZoneId,
    });

    const status = await runCli(['status', '--json'], opts);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).url).toBe('https://app.example.com/');
  });

  it('a rerun makes no mutating call, with or without --domain (the domain is kept)', async () => {
    await expectRerunChangesNothing(UP, opts, proxy, aws);
    await expectRerunChangesNothing(['up', '--image', IMAGE, '--desired-count', '10'], opts, proxy, aws);
  });

  it('down removes everything it made and leaves the hosted zone exactly as it was', async () => {
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr).toBe(0);
    expect(await recordsOf()).toEqual(zoneBefore);
    expect((await aws.route53.send(new ListHostedZonesCommand({}))).HostedZones?.map((z) => z.Id)).toEqual([
      `/hostedzone/${zoneId}`,
    ]);
    expect((await aws.acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []).toEqual([]);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
    const state = await readState();
    expect(Object.keys(state).sort()).toEqual(['name', 'region', 'version']);
    const again = await runCli(['down', '--yes'], opts);
    expect(again.code, again.stderr).toBe(0);
  });
});

describe('up --domain on a stack that up made HTTP-only', () => {
  it('converts it in place (the :80 listener keeps its ARN and becomes the redirect), and down leaves the zone as it was', async () => {
    const plain = { ...opts, cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-up-domain-plain-')) };
    // moto reports every service with MOTO_ECS_SERVICE_RUNNING (10) tasks running: ask for as many.
    const PLAIN = ['up', '--name', 'plain', '--image', IMAGE, '--desired-count', '10'];
    const first = await runCli(PLAIN, plain);
    expect(first.code, first.stderr).toBe(0);
    const before = JSON.parse(await readFile(join(plain.cwd, 'ecsctl.state.json'), 'utf8'));

    const from = proxy.calls.length;
    const up = await runCli([...PLAIN, '--domain', 'plain.example.com'], plain);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('https://plain.example.com/');
    const after = JSON.parse(await readFile(join(plain.cwd, 'ecsctl.state.json'), 'utf8'));
    expect(after.listener.arn).toBe(before.listener.arn);
    expect(after.loadBalancer.arn).toBe(before.loadBalancer.arn);
    const listeners = (
      (await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: after.loadBalancer.arn }))).Listeners ?? []
    ).sort((a, b) => a.Port! - b.Port!);
    expect(
      listeners.map((l) => `${l.ListenerArn === before.listener.arn ? 'same ' : ''}${l.Protocol}:${l.Port}`),
    ).toEqual(['same HTTP:80', 'HTTPS:443']);
    expect(listeners[0]!.DefaultActions![0]).toMatchObject({
      Type: 'redirect',
      RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
    });
    const calls = proxy.calls.slice(from).map((c) => c.operation);
    expect(calls).toContain('ModifyListener');
    expect(calls.filter((op) => op === 'CreateListener')).toHaveLength(1); // only HTTPS:443

    const down = await runCli(['down', '--yes'], plain);
    expect(down.code, down.stderr).toBe(0);
    expect(await recordsOf()).toEqual(zoneBefore);
    expect(counts(await inventory(aws))).toEqual(EMPTY);
  });
});
