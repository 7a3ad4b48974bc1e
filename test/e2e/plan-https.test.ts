/**
 * `up --dry-run` on a stack with `--domain`: the HTTPS listener's certificate is compared like any
 * other field. moto issues DNS-validated certificates after 2 s; the agent and scheduler
 * stand-ins play ECS.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateHostedZoneCommand } from '@aws-sdk/client-route-53';
import { readFile } from 'node:fs/promises';
import { startAgent, type StandinAgent } from '../../scripts/standin/agent.mjs';
import { startScheduler, type Scheduler } from '../../scripts/standin/scheduler.mjs';
import { verifyClients, type VerifyClients } from '../harness/aws.js';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy, type Proxy } from '../harness/proxy.js';
import { MUTATING } from '../harness/rerun.js';
import { IMAGE } from '../harness/standins.js';

let moto: Moto;
let proxy: Proxy;
let aws: VerifyClients;
let agent: StandinAgent;
let scheduler: Scheduler;
let opts: CliOptions;
const UP = ['up', '--image', IMAGE, '--instance-count', '1', '--domain', 'app.example.com'];

beforeAll(async () => {
  moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '10', MOTO_ACM_VALIDATION_WAIT: '2' });
  aws = verifyClients(moto.endpoint);
  agent = startAgent({ endpoint: moto.endpoint, intervalMs: 200 });
  scheduler = startScheduler({ endpoint: moto.endpoint, intervalMs: 200 });
  proxy = await startProxy(moto.endpoint);
  opts = {
    cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-plan-https-')),
    endpoint: proxy.endpoint,
    env: { ECSCTL_POLL_SCALE: '0.1' },
  };
  await aws.route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'ecsctl-plan-https' }));
  const up = await runCli(['--name', 'web', ...UP], opts);
  expect(up.code, up.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await Promise.allSettled([agent?.stop(), scheduler?.stop()]);
  await proxy?.close();
  await moto?.stop();
});

const plan = async (args: string[]) => {
  const from = proxy.calls.length;
  const r = await runCli([...UP, ...args, '--dry-run', '--detailed-exitcode'], opts);
  return { ...r, mutating: proxy.calls.slice(from).filter((c) => MUTATING.test(c.operation)) };
};

describe('up --dry-run with --domain', () => {
  it('converged: no changes, the HTTPS listener and the certificate compared', async () => {
    const r = await plan([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^no changes: stack web matches the settings \(compared with AWS: .*certificate, https/);
    expect(r.mutating).toEqual([]);
  });

  it('another certificate: the certificate and the HTTPS listener field old → new, exit 5', async () => {
    const state = JSON.parse(await readFile(join(opts.cwd, 'ecsctl.state.json'), 'utf8'));
    const https = (
      await aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: state.loadBalancer.arn }))
    ).Listeners!.find((l) => l.Port === 443)!;
    const old = https.Certificates![0]!.CertificateArn!;
    const other = (
      await aws.acm.send(new RequestCertificateCommand({ DomainName: 'app.example.com', ValidationMethod: 'DNS' }))
    ).CertificateArn!;
    const r = await plan(['--certificate-arn', other]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toContain(`    certificate ${old} → ${other}`);
    expect(r.stdout).toContain(`    Certificates ${old} → ${other}`);
    expect(r.mutating).toEqual([]);
  });
});
