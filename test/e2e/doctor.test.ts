/**
 * `ecsctl doctor` as a subprocess against moto: STS, EC2 (VPC, subnets, route tables, instance
 * types and offerings) and IAM answer for real; moto's Service Quotas knows no EC2 quota, so that
 * line is a note here and is unit-tested with scripted answers. moto's default VPC lacks the
 * internet gateway AWS's has: the test adds one, as AWS's default VPC is, to see the ✓ path.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { runCli, type CliOptions } from '../harness/cli.js';
import { startMoto, type Moto } from '../harness/moto.js';
import { startProxy } from '../harness/proxy.js';
import { verifyClients } from '../harness/aws.js';

let moto: Moto;
let opts: CliOptions;
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1';
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

interface Report {
  ok: boolean;
  account?: string;
  checks: { id: string; status: string; detail: string; fix?: string }[];
}
const statusOf = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

beforeAll(async () => {
  moto = await startMoto();
  opts = { cwd: await mkdtemp(join(tmpdir(), 'ecsctl-e2e-doctor-')), endpoint: moto.endpoint, env: NO_ENGINE };
});
afterAll(async () => {
  await moto?.stop();
});

describe('ecsctl doctor on moto', () => {
  it('notes the emulator default VPC without a way out, and passes with --image: exit 0', async () => {
    const r = await runCli(['doctor', '--image', IMAGE, '--json'], opts);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ ok: true, account: '123456789012' });
    expect(statusOf(report)).toMatchObject({
      region: 'ok',
      credentials: 'ok',
      docker: 'ok',
      network: 'warn', // no internet gateway in moto's default VPC; the agent stand-in registers anyway
      'instance-type': 'ok',
      'ecs-role': 'warn', // not created yet
      'vcpu-quota': 'warn', // moto's Service Quotas has no EC2 quota
    });
    expect(report.checks.find((c) => c.id === 'network')?.detail).toMatch(/0 of 6 subnets reach ECS.*an emulator/);
  });

  it('passes the network and the role once the account looks like AWS', async () => {
    const aws = verifyClients(moto.endpoint);
    const vpcId = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })))
      .Vpcs![0]!.VpcId!;
    const igw = (await aws.ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await aws.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const main = (
      await aws.ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      )
    ).RouteTables![0]!.RouteTableId!;
    await aws.ec2.send(
      new CreateRouteCommand({ RouteTableId: main, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
    );
    // moto's CreateServiceLinkedRole names it AWSServiceRoleForecs; AWS's name and path are these.
    await aws.iam.send(
      new CreateRoleCommand({
        RoleName: 'AWSServiceRoleForECS',
        Path: '/aws-service-role/ecs.amazonaws.com/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );

    const r = await runCli(['doctor', '--image', IMAGE, '--json'], opts);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(statusOf(report)).toMatchObject({ network: 'ok', 'ecs-role': 'ok' });
    expect(report.checks.find((c) => c.id === 'network')?.detail).toMatch(/6 of 6 subnets reach ECS, in 6 zones/);
  });

  it('fails when up would build and no engine answers: ✗ line with the fix, exit 1', async () => {
    const r = await runCli(['doctor'], opts);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ Docker engine +no Docker engine reachable at unix:\/\/\/nonexistent\/docker.sock/m);
    expect(r.stdout).toMatch(/→ Start Docker/);
    expect(r.stdout).toMatch(/1 problem \(✗\) would make ecsctl up fail/);
    expect(r.stderr).toBe('error: doctor found 1 problem(s): docker\n');
  });

  it('fails an instance type the region does not have', async () => {
    const r = await runCli(['doctor', '--image', IMAGE, '--instance-type', 'q9.huge', '--json'], opts);
    expect(r.code).toBe(1);
    expect(statusOf(JSON.parse(r.stdout) as Report)['instance-type']).toBe('fail');
  });

  it('says there are no credentials and checks nothing else on AWS', async () => {
    const recorder = await startProxy(moto.endpoint);
    const r = await runCli(['doctor', '--image', IMAGE], {
      ...opts,
      endpoint: recorder.endpoint,
      env: {
        ...NO_ENGINE,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    await recorder.close();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ Credentials +no credentials found$/m);
    expect(r.stdout).toMatch(/^! VPC and subnets +not checked: needs working credentials$/m);
    expect(recorder.calls).toHaveLength(0);
  });

  it('rejects bad input with exit 2 before any call', async () => {
    const r = await runCli(['doctor', '--instance-count', '0'], opts);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
