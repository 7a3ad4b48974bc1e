/**
 * What a real account refuses, reproduced by the strict-AWS proxy in front of a live moto, and
 * how ecsctl meets it: a quota fails at once with the quota named (no retry); subnets that cannot
 * reach ECS are refused before anything is launched; names AWS would refuse exit 2 before any
 * call; in another partition every ARN is built from the region's partition.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { runCli } from '../harness/cli.js';
import { verifyClients } from '../harness/aws.js';
import { counts, EMPTY, inventory } from '../harness/inventory.js';
import { IMAGE } from '../harness/standins.js';
import {
  answeredByRule,
  instanceTypeOfferings,
  names,
  partitions,
  privateSubnets,
  quota,
} from '../harness/strict/index.js';
import { useStrictWorld } from '../harness/strict/world.js';

const w = useStrictWorld();

describe('(3) quotas fail at once, named, with a hint', () => {
  it('up on an account at its vCPU quota exits 1 naming VcpuLimitExceeded after one RunInstances; down cleans up', async () => {
    const opts = await w.strict([quota('VcpuLimitExceeded')]);
    const up = await runCli(['up', '--name', 'quota', '--image', IMAGE], opts);
    const refusedAt = w.proxy.calls.find((c) => c.answeredBy === 'quota-VcpuLimitExceeded')!.at!;
    const last = w.proxy.calls[w.proxy.calls.length - 1]!.at!;
    console.log(
      `up at the vCPU quota: last call ${((last - refusedAt) / 1000).toFixed(1)} s after the refusal; process exit ${((Date.now() - refusedAt) / 1000).toFixed(1)} s after it`,
    );
    expect(up.code, up.stderr.slice(-2000)).toBe(1);
    expect(up.stderr).toMatch(/VcpuLimitExceeded/);
    expect(up.stderr).toMatch(/quota/i);
    expect(up.stderr).toMatch(/Service Quotas|smaller/);
    expect(w.callsOf('RunInstances')).toBe(1);
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);

  it('a CloudWatch Logs LimitExceededException is not retried as throttling', async () => {
    const opts = await w.strict([quota('Logs LimitExceededException')]);
    const r = await runCli(['taskdef', 'register', '--name', 'logq', '--image', IMAGE], opts);
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    expect(r.stderr).toMatch(/LimitExceededException/);
    expect(r.stderr).toMatch(/quota/i);
    expect(w.callsOf('CreateLogGroup')).toBe(1);
  }, 120_000);

  it('an IAM role quota (LimitExceeded, HTTP 409) is named too', async () => {
    const opts = await w.strict([quota('LimitExceeded')]);
    const up = await runCli(['up', '--name', 'iamq', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(1);
    expect(up.stderr).toMatch(/RolesPerAccount/);
    expect(w.callsOf('CreateRole')).toBe(1);
    const down = await runCli(['down', '--yes'], opts);
    expect(down.code, down.stderr.slice(-2000)).toBe(0);
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
  }, 180_000);
});

describe('(5) subnets that cannot reach ECS', () => {
  it('no public IPs and no NAT route: up refuses before launching an instance or a load balancer', async () => {
    const opts = await w.strict([privateSubnets()]);
    const up = await runCli(['up', '--name', 'priv', '--image', IMAGE], opts);
    expect(up.code, up.stderr.slice(-2000)).toBe(1);
    expect(up.stderr).toMatch(/cannot reach ECS/);
    expect(w.callsOf('RunInstances')).toBe(0);
    expect(w.callsOf('CreateLoadBalancer')).toBe(0);
    // The rest of the first wave starts only after CreateLoadBalancer: nothing was created, so
    // nothing was recorded and there is nothing for `down` to do.
    expect(counts(await inventory(w.aws))).toEqual(EMPTY);
    expect(existsSync(join(opts.cwd, 'ecsctl.state.json'))).toBe(false);
  }, 180_000);
});

describe('(7) derived names AWS refuses', () => {
  for (const name of ['sg-web', 'internal-web']) {
    it(`--name ${name} exits 2 before any AWS call`, async () => {
      const opts = await w.strict([names()]);
      const up = await runCli(['up', '--name', name, '--image', IMAGE], opts);
      expect(up.code, up.stderr.slice(-2000)).toBe(2);
      expect(up.stderr.trim().split('\n')).toHaveLength(1);
      expect(w.proxy.calls).toEqual([]);
    });
  }
});

describe('(6) partitions', () => {
  it('in cn-north-1 the instance role gets the arn:aws-cn managed policy', async () => {
    // moto offers no instance types in cn-north-1; the stand-in answers as AWS would there.
    const opts = await w.strict([partitions(), instanceTypeOfferings('cn-north-1', ['cn-north-1a', 'cn-north-1b'])]);
    const env = { ...opts.env, AWS_REGION: 'cn-north-1' };
    const cluster = await runCli(['cluster', 'create', '--name', 'cn'], { ...opts, env });
    expect(cluster.code, cluster.stderr.slice(-2000)).toBe(0);
    const r = await runCli(['instances', 'create', '--ami', 'ami-0123456789abcdef0', '--no-wait'], { ...opts, env });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(answeredByRule(w.proxy.calls)['iam-arn-partition']).toBeUndefined();
    const iam = verifyClients(w.motoEndpoint, 'cn-north-1').iam;
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'cn-ecs-instance' })))
      .AttachedPolicies!;
    expect(attached.map((p) => p.PolicyArn)).toEqual([
      'arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
    ]);
    const del = await runCli(['down', '--yes'], { ...opts, env });
    expect(del.code, del.stderr.slice(-2000)).toBe(0);
  }, 120_000);
});
